//! Who may do what on the pages: the roles an account holds, what each
//! role grants, and which page needs what. The one place this is decided:
//! the server's `SignedIn` extractor asks [`may_open`] for every request
//! to a page, by its route, and the navigation shows only what the roles
//! grant. A route not in [`PAGES`] needs a capability nobody has: a page
//! added without a rule is closed, never open.
//!
//! Officers' devices never open a page (they sync); the public summary
//! and sign-in need no account.

use crate::ids::{MunicipalityId, PoliceAreaId};
use crate::municipality::Municipality;

/// A role an account holds; an account may hold several. What a role
/// grants is the same in every municipality; which municipalities it
/// reaches is [`scope`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// The municipality's crime-prevention coordinator: the follow-up,
    /// the records, reference data, officers' devices, of the
    /// municipalities given to the account.
    Coordinator,
    /// The police area's coordinator (kommunpolis): what a coordinator
    /// does, in every municipality of the account's police areas,
    /// including one added to the area later.
    AreaCoordinator,
    /// A member of the crime-prevention council: the follow-up report, its
    /// charts and assessments; no records, no access log, no names.
    CouncilMember,
    /// Accounts, roles, devices, retention settings, the security log; no
    /// record's contents unless also a coordinator.
    Administrator,
}

/// What a page needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Capability {
    /// The follow-up report, its charts, exports and assessments (read).
    FollowUp,
    /// Writing the coordinators' assessment of a period.
    Assess,
    /// Records: the timeline, a record's contents, exports with free text,
    /// the access log, the quarantine, erasure and redaction.
    Records,
    /// Hotspots, venues and the plan.
    Reference,
    /// Officers' devices: enrolment codes, revoking.
    Devices,
    /// Retention rules, their review, the phone lease.
    Retention,
    /// The security log.
    SecurityLog,
    /// Accounts and their roles.
    Accounts,
    /// What no role grants: a page without a rule.
    Nobody,
}

impl Role {
    pub const ALL: [Role; 4] = [
        Role::Coordinator,
        Role::AreaCoordinator,
        Role::CouncilMember,
        Role::Administrator,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Coordinator => "coordinator",
            Role::AreaCoordinator => "police_area_coordinator",
            Role::CouncilMember => "council_member",
            Role::Administrator => "administrator",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// What the role grants.
    pub fn grants(self) -> &'static [Capability] {
        use Capability::*;
        match self {
            Role::Coordinator | Role::AreaCoordinator => {
                &[FollowUp, Assess, Records, Reference, Devices]
            }
            Role::CouncilMember => &[FollowUp],
            Role::Administrator => &[Accounts, Devices, Retention, SecurityLog],
        }
    }
}

/// Whether an account with `roles` has `capability`.
pub fn may(roles: &[Role], capability: Capability) -> bool {
    roles.iter().any(|r| r.grants().contains(&capability))
}

/// Every page by its route (as the router writes it) and the capability
/// it needs; `None`: open to anyone (the pages decide more themselves:
/// the second factor's pages need a half session).
pub const PAGES: &[(&str, Option<Capability>)] = {
    use Capability::*;
    &[
        ("/", None),
        ("/sign-in", None),
        ("/sign-in/code", None),
        ("/sign-in/set-up", None),
        ("/sign-in/new-password", None),
        ("/sign-in/sso", None),
        ("/sign-in/sso/callback", None),
        ("/sign-out", None),
        ("/public", None),
        ("/public/{municipality}", None),
        ("/municipality", None),
        ("/municipalities", Some(Accounts)),
        ("/follow-up", Some(FollowUp)),
        ("/follow-up.csv", Some(FollowUp)),
        ("/follow-up.xlsx", Some(FollowUp)),
        ("/follow-up/assessment", Some(Assess)),
        ("/reference", Some(Reference)),
        ("/reference/{file}", Some(Reference)),
        ("/reference/{what}/{id}", Some(Reference)),
        ("/devices", Some(Devices)),
        ("/devices/codes", Some(Devices)),
        ("/devices/officers/{id}", Some(Devices)),
        ("/devices/{id}/revoke", Some(Devices)),
        ("/records", Some(Records)),
        ("/records.csv", Some(Records)),
        ("/records.xlsx", Some(Records)),
        ("/records/export", Some(Records)),
        ("/records/{id}", Some(Records)),
        ("/records/{id}/erase", Some(Records)),
        ("/records/{id}/redact", Some(Records)),
        ("/records/{id}/protocol", Some(Records)),
        ("/access-log", Some(Records)),
        ("/access-log.csv", Some(Records)),
        ("/quarantine", Some(Records)),
        ("/security-log", Some(SecurityLog)),
        ("/retention", Some(Retention)),
        ("/retention/review", Some(Retention)),
        ("/retention/lease", Some(Retention)),
        ("/accounts", Some(Accounts)),
        ("/accounts/{id}", Some(Accounts)),
    ]
};

/// What the page at `route` needs: `Nobody` for a route without a rule.
pub fn needs(route: &str) -> Option<Capability> {
    PAGES
        .iter()
        .find(|(r, _)| *r == route)
        .map(|(_, c)| *c)
        .unwrap_or(Some(Capability::Nobody))
}

/// Whether an account with `roles` may open the page at `route`.
pub fn may_open(roles: &[Role], route: &str) -> bool {
    match needs(route) {
        None => true,
        Some(c) => may(roles, c),
    }
}

/// Whether an administrator may make this change of an account: never
/// one that would lock themself out of the accounts page (disabling their
/// own account, or taking their own administrator role), so that a server
/// always keeps someone who can give roles.
pub fn may_change_account(
    own_account: bool,
    disabling: bool,
    roles_after: Option<&[Role]>,
) -> bool {
    if !own_account {
        return true;
    }
    !disabling && roles_after.is_none_or(|r| r.contains(&Role::Administrator))
}

/// The municipalities an account's roles reach: for a police-area
/// coordinator every municipality of its police areas (`areas`), for the
/// other roles the municipalities given to the account (`own`). `all` is
/// every municipality on the server, in the order the result keeps.
/// What an administrator does (accounts, devices, retention, the security
/// log) is the server's, in no municipality.
pub fn scope(
    roles: &[Role],
    own: &[MunicipalityId],
    areas: &[PoliceAreaId],
    all: &[Municipality],
) -> Vec<MunicipalityId> {
    let by_area = roles.contains(&Role::AreaCoordinator);
    let by_own = roles
        .iter()
        .any(|r| matches!(r, Role::Coordinator | Role::CouncilMember));
    all.iter()
        .filter(|m| {
            (by_own && own.contains(&m.id))
                || (by_area && m.police_area.is_some_and(|a| areas.contains(&a)))
        })
        .map(|m| m.id)
        .collect()
}

/// The municipality an account's pages show: the one it chose while it
/// is in its scope, else the first of its scope.
pub fn current(scope: &[MunicipalityId], chosen: Option<MunicipalityId>) -> Option<MunicipalityId> {
    chosen
        .filter(|c| scope.contains(c))
        .or_else(|| scope.first().copied())
}

/// Whether the devices page lists every officer's devices (an
/// administrator's) or only those of officers working in the account's
/// municipalities (a coordinator's).
pub fn sees_every_officer(roles: &[Role]) -> bool {
    roles.contains(&Role::Administrator)
}

/// What a single sign-on does to an account's roles, given the roles the
/// provider's claim names (`claimed`, none when it sends no claim) and
/// those the account holds: with a claim, the claim decides at every
/// sign-in (`Some`, the roles to hold, sorted, when they differ); without
/// one, the roles are assigned here and stay (`None`). An account that
/// does not exist yet is made only with a claim naming a role
/// ([`sso_may_make_account`]).
pub fn sso_roles(claimed: Option<&[Role]>, held: &[Role]) -> Option<Vec<Role>> {
    let mut wanted = claimed?.to_vec();
    wanted.sort();
    wanted.dedup();
    let mut held = held.to_vec();
    held.sort();
    (held != wanted).then_some(wanted)
}

/// Whether a single sign-on of someone with no account here makes one:
/// only when the provider names at least one role for them.
pub fn sso_may_make_account(claimed: Option<&[Role]>) -> bool {
    claimed.is_some_and(|r| !r.is_empty())
}

/// Where an account lands after signing in: the first page its roles open.
pub fn home(roles: &[Role]) -> &'static str {
    ["/follow-up", "/accounts", "/devices"]
        .into_iter()
        .find(|p| may_open(roles, p))
        .unwrap_or("/public")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_role_has_exactly_what_the_work_needs() {
        let council = [Role::CouncilMember];
        assert!(may_open(&council, "/follow-up"));
        for closed in [
            "/records",
            "/records/{id}",
            "/access-log",
            "/quarantine",
            "/devices",
            "/accounts",
        ] {
            assert!(!may_open(&council, closed), "{closed}");
        }
        let admin = [Role::Administrator];
        assert!(may_open(&admin, "/accounts") && may_open(&admin, "/retention"));
        assert!(!may_open(&admin, "/records/{id}"), "no record contents");
        assert!(!may_open(&admin, "/follow-up"));
        let both = [Role::Administrator, Role::Coordinator];
        assert!(may_open(&both, "/records/{id}") && may_open(&both, "/accounts"));
        assert_eq!(home(&admin), "/accounts");
        assert_eq!(home(&council), "/follow-up");
    }

    #[test]
    fn an_administrator_cannot_lock_themself_out() {
        assert!(!may_change_account(true, true, None));
        assert!(!may_change_account(true, false, Some(&[Role::Coordinator])));
        assert!(may_change_account(
            true,
            false,
            Some(&[Role::Administrator])
        ));
        assert!(
            may_change_account(true, false, None),
            "a password reset of their own"
        );
        assert!(may_change_account(false, true, Some(&[])));
    }

    fn municipality(n: u128, area: Option<u128>) -> Municipality {
        Municipality {
            id: MunicipalityId(uuid::Uuid::from_u128(n)),
            slug: format!("m{n}"),
            name: format!("M{n}"),
            police_area: area.map(|a| PoliceAreaId(uuid::Uuid::from_u128(a))),
            demo: false,
        }
    }

    #[test]
    fn each_role_reaches_its_municipalities() {
        let all = [
            municipality(1, Some(10)),
            municipality(2, Some(10)),
            municipality(3, Some(20)),
            municipality(4, None),
        ];
        let id = |n: u128| MunicipalityId(uuid::Uuid::from_u128(n));
        let area = PoliceAreaId(uuid::Uuid::from_u128(10));
        assert_eq!(
            scope(&[Role::Coordinator], &[id(3)], &[], &all),
            vec![id(3)]
        );
        assert_eq!(
            scope(&[Role::AreaCoordinator], &[], &[area], &all),
            vec![id(1), id(2)],
            "every municipality of the area"
        );
        assert_eq!(
            scope(&[Role::CouncilMember], &[id(2)], &[area], &all),
            vec![id(2)],
            "a police area gives a council member nothing"
        );
        assert!(scope(&[Role::Administrator], &[id(1)], &[area], &all).is_empty());
        assert_eq!(
            scope(
                &[Role::Coordinator, Role::AreaCoordinator],
                &[id(4)],
                &[area],
                &all
            ),
            vec![id(1), id(2), id(4)]
        );
        let s = [id(1), id(2)];
        assert_eq!(current(&s, Some(id(2))), Some(id(2)));
        assert_eq!(current(&s, Some(id(3))), Some(id(1)), "not in scope");
        assert_eq!(current(&[], Some(id(3))), None);
        assert!(may_open(&[Role::AreaCoordinator], "/records/{id}"));
    }

    #[test]
    fn a_providers_claim_decides_the_roles_without_one_they_stay() {
        let (c, a) = (Role::Coordinator, Role::Administrator);
        assert_eq!(sso_roles(None, &[c]), None, "assigned here");
        assert_eq!(sso_roles(Some(&[a, c, c]), &[c, a]), None, "the same");
        assert_eq!(sso_roles(Some(&[c]), &[c, a]), Some(vec![c]));
        assert_eq!(sso_roles(Some(&[]), &[c]), Some(vec![]), "a claim of none");
        assert!(sso_may_make_account(Some(&[c])));
        assert!(!sso_may_make_account(Some(&[])) && !sso_may_make_account(None));
    }

    #[test]
    fn a_page_without_a_rule_is_closed() {
        assert_eq!(needs("/something-new"), Some(Capability::Nobody));
        assert!(!may_open(&Role::ALL, "/something-new"));
        assert!(may_open(&[], "/public"));
    }
}
