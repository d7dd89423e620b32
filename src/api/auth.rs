//! Bearer tokens: the admin token may do everything, the read token only GETs. Tokens are
//! compared in constant time (over their SHA-256, so the length does not leak either).

use super::problem::Problem;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// What a request's token grants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grant {
    Admin,
    Read,
}

#[derive(Clone, Default)]
pub struct Tokens {
    admin: Option<[u8; 32]>,
    read: Option<[u8; 32]>,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("admin", &self.admin.is_some())
            .field("read", &self.read.is_some())
            .finish()
    }
}

fn digest(s: &str) -> [u8; 32] {
    Sha256::digest(s.as_bytes()).into()
}

impl Tokens {
    pub fn new(admin: Option<&str>, read: Option<&str>) -> Self {
        Tokens {
            admin: admin.filter(|t| !t.is_empty()).map(digest),
            read: read.filter(|t| !t.is_empty()).map(digest),
        }
    }

    /// No token at all: only a loopback bind is allowed.
    pub fn is_empty(&self) -> bool {
        self.admin.is_none() && self.read.is_none()
    }

    /// Check an `Authorization` header value.
    pub fn check(&self, header: Option<&str>) -> Result<Grant, Problem> {
        let Some(value) = header else {
            return Err(Problem::unauthorized(
                "this route needs a token: send `Authorization: Bearer TOKEN`",
            ));
        };
        let token = value
            .split_once(' ')
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, t)| t.trim())
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                Problem::unauthorized("the Authorization header must be `Bearer TOKEN`")
            })?;
        let d = digest(token);
        // Both comparisons always run, so timing does not tell which token matched.
        let admin = self.admin.map_or(0u8, |a| a.ct_eq(&d).unwrap_u8());
        let read = self.read.map_or(0u8, |r| r.ct_eq(&d).unwrap_u8());
        if admin == 1 {
            Ok(Grant::Admin)
        } else if read == 1 {
            Ok(Grant::Read)
        } else {
            Err(Problem::unauthorized("the token is not valid"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_read_and_wrong_tokens() {
        let t = Tokens::new(Some("adm"), Some("rd"));
        assert_eq!(t.check(Some("Bearer adm")).unwrap(), Grant::Admin);
        assert_eq!(t.check(Some("bearer rd")).unwrap(), Grant::Read);
        assert_eq!(t.check(Some("Bearer nope")).unwrap_err().status, 401);
        assert_eq!(t.check(Some("Basic adm")).unwrap_err().status, 401);
        assert_eq!(t.check(None).unwrap_err().status, 401);
        assert_eq!(t.check(Some("Bearer ")).unwrap_err().status, 401);
        // Without tokens configured nothing is accepted (routes are open only on loopback
        // binds, decided elsewhere).
        assert!(Tokens::new(None, Some("")).is_empty());
    }
}
