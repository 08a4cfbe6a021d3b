from avalon import create_app

app = create_app()
