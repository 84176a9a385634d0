use super::*;

const T0: u64 = 1_800_000_000;

fn pw(hash: &str) -> PasswordHash {
    PasswordHash {
        iterations: PBKDF2_ITERATIONS,
        salt: "00".repeat(16),
        hash: hash.into(),
    }
}

fn invite(email: &str, role: Role, token_hash: &str) -> Invite {
    Invite {
        token_hash: token_hash.into(),
        email: email.into(),
        role,
        expires_at: T0 + INVITE_SECS,
        invited_by: "operator".into(),
    }
}

fn team_with_owner() -> Team {
    let mut t = Team::default();
    t.invite(invite("owner@shop.test", Role::Owner, "h1"), T0)
        .unwrap();
    t.accept("h1", "u1".into(), "Olive".into(), pw("aa"), T0)
        .unwrap();
    t
}

#[test]
fn emails_are_normalized_and_checked() {
    assert_eq!(
        normalize_email("  Ann@Shop.Example "),
        Some("ann@shop.example".into())
    );
    for bad in [
        "",
        "ann",
        "ann@",
        "@shop.test",
        "ann@shop",
        "ann@.test",
        "a b@shop.test",
        "a@b@c.test",
    ] {
        assert_eq!(normalize_email(bad), None, "{bad}");
    }
}

#[test]
fn password_length_rule() {
    assert!(password_problem("short").is_some());
    assert!(password_problem("twelve chars").is_none());
    assert!(password_problem(&"x".repeat(129)).is_some());
}

#[test]
fn an_invite_is_used_once_and_expires() {
    let mut t = team_with_owner();
    assert_eq!(t.users[0].role, Role::Owner);
    assert_eq!(t.users[0].email, "owner@shop.test");
    let again = t
        .accept("h1", "u2".into(), "X".into(), pw("bb"), T0)
        .unwrap_err();
    assert_eq!(again.status(), 404, "one-time");
    t.invite(invite("m@shop.test", Role::Member, "h2"), T0)
        .unwrap();
    let late = t
        .accept("h2", "u3".into(), "M".into(), pw("cc"), T0 + INVITE_SECS)
        .unwrap_err();
    assert_eq!(late.status(), 404, "expired");
    let dup = t
        .invite(invite("owner@shop.test", Role::Member, "h3"), T0)
        .unwrap_err();
    assert_eq!(dup.status(), 409);
}

#[test]
fn five_wrong_passwords_lock_for_fifteen_minutes() {
    let mut t = team_with_owner();
    let u = t.user_by_email("owner@shop.test").unwrap();
    for i in 0..4 {
        u.record_failure(T0 + i);
        assert!(u.check_lock(T0 + i).is_ok());
    }
    u.record_failure(T0 + 10);
    assert_eq!(u.check_lock(T0 + 10), Err(LOCKOUT_SECS));
    assert_eq!(u.check_lock(T0 + 10 + LOCKOUT_SECS - 1), Err(1));
    assert!(u.check_lock(T0 + 10 + LOCKOUT_SECS).is_ok());
    assert!(u.failures.is_empty(), "a fresh count after the lockout");
}

#[test]
fn failures_outside_the_window_do_not_count_and_a_success_starts_over() {
    let mut t = team_with_owner();
    let u = t.user_by_email("owner@shop.test").unwrap();
    for i in 0..4 {
        u.record_failure(T0 + i);
    }
    let later = T0 + FAILURE_WINDOW_SECS + 5;
    u.record_failure(later);
    assert!(u.check_lock(later).is_ok(), "old failures expired");
    assert_eq!(u.failures, vec![later]);
    for i in 1..5 {
        u.record_failure(later + i);
    }
    assert!(
        u.check_lock(later + 4).is_err(),
        "the 5th counted attempt locks"
    );
    u.record_success();
    assert!(u.check_lock(later + 4).is_ok() && u.failures.is_empty());
}

#[test]
fn sessions_sign_out_one_or_all() {
    let mut t = team_with_owner();
    for (h, csrf) in [("s1", "c1"), ("s2", "c2")] {
        t.start_session(
            Session {
                token_hash: h.into(),
                user_id: "u1".into(),
                csrf: csrf.into(),
                expires_at: T0 + SESSION_SECS,
            },
            T0,
        );
    }
    let me = t.me("s1", T0).unwrap();
    assert_eq!((me.role, me.csrf_token.as_str()), (Role::Owner, "c1"));
    assert!(t.me("s1", T0 + SESSION_SECS).is_none(), "expired");
    assert!(t.me("nope", T0).is_none());
    t.end_session("s1");
    assert!(t.me("s1", T0).is_none());
    assert!(t.me("s2", T0).is_some());
    assert_eq!(t.end_all_sessions("u1"), 1);
    assert!(t.me("s2", T0).is_none());
}

#[test]
fn members_cannot_do_owner_things() {
    let mut t = team_with_owner();
    t.invite(invite("m@shop.test", Role::Member, "h2"), T0)
        .unwrap();
    t.accept("h2", "u2".into(), "Max".into(), pw("dd"), T0)
        .unwrap();
    t.start_session(
        Session {
            token_hash: "s".into(),
            user_id: "u2".into(),
            csrf: "c".into(),
            expires_at: T0 + 60,
        },
        T0,
    );
    let me = t.me("s", T0).unwrap();
    assert_eq!(require_owner(&me).unwrap_err().status(), 403);
    assert_eq!(t.members().len(), 2);
    assert!(!serde_json::to_string(&t.members())
        .unwrap()
        .contains("\"hash\""));
}

#[test]
fn locked_error_names_the_wait() {
    let e = locked(61);
    assert_eq!(e.status(), 429);
    assert_eq!(e.body()["error_code"], "account_locked");
    assert_eq!(
        e.body()["detail"],
        "Too many wrong passwords. Try again in 2 minutes."
    );
}
