//! A local OAuth token endpoint for the service-account flow: it checks the RS256 JWT
//! bearer assertion against the test key's public half (signature, `iss`, `aud`, `scope`,
//! expiry), issues `tok-1`, `tok-2`, … and counts them.
//!
//! [`TestKey::generate`] makes an RSA key with `openssl`; [`TokenServer::write_key_file`]
//! writes a service-account JSON whose `token_uri` points here.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use super::fault_proxy::TokenRegistry;
use super::http::{Server, read_request, write_response};

pub const SCOPE: &str = "https://www.googleapis.com/auth/datastore";
pub const CLIENT_EMAIL: &str = "vdt-test@vdt-test.iam.gserviceaccount.com";

/// An RSA key pair in PEM (PKCS#8 private, SPKI public — the forms Google uses).
#[derive(Clone)]
pub struct TestKey {
    pub private_pem: String,
    pub public_pem: String,
}

impl TestKey {
    /// A fresh 2048-bit key from `/usr/bin/openssl` (or `openssl` on PATH).
    pub fn generate() -> TestKey {
        let openssl = if Path::new("/usr/bin/openssl").exists() {
            "/usr/bin/openssl"
        } else {
            "openssl"
        };
        let out = Command::new(openssl)
            .args([
                "genpkey",
                "-algorithm",
                "RSA",
                "-pkeyopt",
                "rsa_keygen_bits:2048",
            ])
            .output()
            .expect("run openssl genpkey");
        assert!(out.status.success(), "openssl genpkey failed");
        let private_pem = String::from_utf8(out.stdout).expect("PEM is ASCII");
        let mut child = Command::new(openssl)
            .args(["pkey", "-pubout"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("run openssl pkey");
        {
            use std::io::Write;
            child
                .stdin
                .take()
                .unwrap()
                .write_all(private_pem.as_bytes())
                .unwrap();
        }
        let out = child.wait_with_output().expect("openssl pkey output");
        assert!(out.status.success(), "openssl pkey -pubout failed");
        TestKey {
            private_pem,
            public_pem: String::from_utf8(out.stdout).expect("PEM is ASCII"),
        }
    }

    /// One key per test binary (generating takes a moment).
    pub fn shared() -> &'static TestKey {
        static KEY: OnceLock<TestKey> = OnceLock::new();
        KEY.get_or_init(TestKey::generate)
    }
}

#[derive(serde::Deserialize)]
struct Claims {
    scope: String,
}

pub struct TokenServer {
    server: Server,
    issued: Arc<AtomicUsize>,
    rejected: Arc<AtomicUsize>,
    expires_in: Arc<AtomicU64>,
    valid: TokenRegistry,
}

impl TokenServer {
    /// A token endpoint trusting `key`'s public half for [`CLIENT_EMAIL`].
    pub fn start(key: &TestKey) -> TokenServer {
        let issued = Arc::new(AtomicUsize::new(0));
        let rejected = Arc::new(AtomicUsize::new(0));
        let expires_in = Arc::new(AtomicU64::new(3600));
        let valid: TokenRegistry = Arc::default();
        let decoding = jsonwebtoken::DecodingKey::from_rsa_pem(key.public_pem.as_bytes())
            .expect("public key PEM");
        // The audience is this server's own URL, known only once it listens.
        let own_uri: Arc<OnceLock<String>> = Arc::new(OnceLock::new());
        let server = {
            let (issued, rejected, expires_in, valid, own_uri) = (
                issued.clone(),
                rejected.clone(),
                expires_in.clone(),
                valid.clone(),
                own_uri.clone(),
            );
            Server::start(move |conn| {
                let Ok(Some(req)) = read_request(&conn) else {
                    return;
                };
                let json = |status: u16, v: serde_json::Value| {
                    let _ = write_response(
                        &conn,
                        status,
                        &[("Content-Type", "application/json".to_owned())],
                        v.to_string().as_bytes(),
                    );
                };
                let aud = own_uri.get().cloned().unwrap_or_default();
                match check(&req.method, &req.body, &decoding, &aud) {
                    Ok(()) => {
                        let n = issued.fetch_add(1, Ordering::SeqCst) + 1;
                        let token = format!("tok-{n}");
                        valid.lock().unwrap().insert(token.clone());
                        json(
                            200,
                            serde_json::json!({
                                "access_token": token,
                                "expires_in": expires_in.load(Ordering::SeqCst),
                                "token_type": "Bearer",
                            }),
                        );
                    }
                    Err(why) => {
                        rejected.fetch_add(1, Ordering::SeqCst);
                        json(
                            400,
                            serde_json::json!({"error": "invalid_grant", "error_description": why}),
                        );
                    }
                }
            })
        };
        own_uri
            .set(format!("{}/token", server.url()))
            .expect("set once");
        TokenServer {
            server,
            issued,
            rejected,
            expires_in,
            valid,
        }
    }

    pub fn token_uri(&self) -> String {
        format!("{}/token", self.server.url())
    }

    /// Tokens issued so far.
    pub fn issued(&self) -> usize {
        self.issued.load(Ordering::SeqCst)
    }

    /// Assertions refused so far.
    pub fn rejected(&self) -> usize {
        self.rejected.load(Ordering::SeqCst)
    }

    /// `expires_in` of tokens issued from now on.
    pub fn set_expires_in(&self, secs: u64) {
        self.expires_in.store(secs, Ordering::SeqCst);
    }

    /// Tokens a [`super::fault_proxy::FaultProxy::with_tokens`] should accept.
    pub fn registry(&self) -> TokenRegistry {
        self.valid.clone()
    }

    /// Revokes every token issued so far (the proxy then answers 401 to them).
    pub fn revoke_all(&self) {
        self.valid.lock().unwrap().clear();
    }

    /// Writes a service-account JSON for `key` whose `token_uri` is this server.
    pub fn write_key_file(&self, dir: &Path, key: &TestKey, project_id: &str) -> PathBuf {
        let path = dir.join("service-account.json");
        let json = serde_json::json!({
            "type": "service_account",
            "project_id": project_id,
            "private_key_id": "0123456789abcdef",
            "private_key": key.private_pem,
            "client_email": CLIENT_EMAIL,
            "client_id": "1234567890",
            "auth_uri": "https://accounts.google.com/o/oauth2/auth",
            "token_uri": self.token_uri(),
        });
        std::fs::write(&path, serde_json::to_vec_pretty(&json).unwrap()).unwrap();
        path
    }
}

fn check(
    method: &str,
    body: &[u8],
    key: &jsonwebtoken::DecodingKey,
    aud: &str,
) -> Result<(), String> {
    if method != "POST" {
        return Err(format!("method {method}"));
    }
    let body = std::str::from_utf8(body).map_err(|_| "body is not UTF-8".to_owned())?;
    let form: Vec<(String, String)> = body
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (percent_decode(k), percent_decode(v)))
        .collect();
    let get = |k: &str| {
        form.iter()
            .find(|(name, _)| name == k)
            .map(|(_, v)| v.as_str())
    };
    if get("grant_type") != Some("urn:ietf:params:oauth:grant-type:jwt-bearer") {
        return Err(format!("grant_type {:?}", get("grant_type")));
    }
    let assertion = get("assertion").ok_or("no assertion")?;
    let header = jsonwebtoken::decode_header(assertion).map_err(|e| e.to_string())?;
    if header.alg != jsonwebtoken::Algorithm::RS256 {
        return Err(format!("alg {:?}", header.alg));
    }
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.set_audience(&[aud]);
    validation.set_issuer(&[CLIENT_EMAIL]);
    validation.set_required_spec_claims(&["exp", "iat", "iss", "aud"]);
    let data = jsonwebtoken::decode::<Claims>(assertion, key, &validation)
        .map_err(|e| format!("assertion rejected: {e}"))?;
    if data.claims.scope != SCOPE {
        return Err(format!("scope {:?}", data.claims.scope));
    }
    Ok(())
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
