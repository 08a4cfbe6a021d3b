// Passkeys in the browser: the server's WebAuthn options (JSON, base64url) become the
// browser's calls, and the credential it returns becomes JSON for the server.

function bytes(text) {
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const padded = base64 + "===".slice((base64.length + 3) % 4);
  return Uint8Array.from(atob(padded), (char) => char.charCodeAt(0));
}

function text(buffer) {
  let binary = "";
  for (const byte of new Uint8Array(buffer)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function descriptors(list) {
  return (list || []).map((item) => Object.assign({}, item, { id: bytes(item.id) }));
}

/** Whether this page can use passkeys at all, and why not: "ip" on a bare IP address
 * (browsers refuse a relying party there), "unsupported" without WebAuthn, else null. */
export function passkeyProblem() {
  const host = location.hostname;
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.includes(":") || host.startsWith("[")) return "ip";
  if (!window.PublicKeyCredential || !navigator.credentials) return "unsupported";
  return null;
}

/** Make a passkey from creation options; the credential as the server reads it. */
export async function createPasskey(options) {
  const publicKey = Object.assign({}, options, {
    challenge: bytes(options.challenge),
    user: Object.assign({}, options.user, { id: bytes(options.user.id) }),
    excludeCredentials: descriptors(options.excludeCredentials),
  });
  const credential = await navigator.credentials.create({ publicKey });
  const response = credential.response;
  return {
    id: credential.id,
    rawId: text(credential.rawId),
    type: credential.type,
    response: {
      clientDataJSON: text(response.clientDataJSON),
      attestationObject: text(response.attestationObject),
      transports: response.getTransports ? response.getTransports() : [],
    },
    clientExtensionResults: credential.getClientExtensionResults(),
  };
}

/** Sign a challenge with a passkey of this site; the assertion as the server reads it. */
export async function usePasskey(options) {
  const publicKey = Object.assign({}, options, {
    challenge: bytes(options.challenge),
    allowCredentials: descriptors(options.allowCredentials),
  });
  const credential = await navigator.credentials.get({ publicKey });
  const response = credential.response;
  return {
    id: credential.id,
    rawId: text(credential.rawId),
    type: credential.type,
    response: {
      clientDataJSON: text(response.clientDataJSON),
      authenticatorData: text(response.authenticatorData),
      signature: text(response.signature),
      userHandle: response.userHandle ? text(response.userHandle) : null,
    },
    clientExtensionResults: credential.getClientExtensionResults(),
  };
}
