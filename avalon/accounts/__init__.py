"""Optional accounts (PROTOCOL section 12): passkeys, profiles, ratings, groups, privacy."""
