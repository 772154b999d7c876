//! Who may do what, where. Every role is granted on an office and reaches that office's subtree;
//! [`Principal::can`] is the single decision every read and write goes through.

use crate::org::OfficePath;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Direktorat PLRKM administrator: reference data, offices, users.
    NationalAdmin,
    /// National analyst: reads everything, changes nothing.
    NationalAnalyst,
    /// BNNP rehabilitation officer (pembina fungsi, petugas standar).
    BnnpOfficer,
    /// BNNK rehabilitation officer (pembina teknis of IBM units and institutions).
    BnnkOfficer,
    /// Operator of a rehabilitation institution (self-assessments).
    InstitutionOperator,
    /// IKAI facilitator accompanying coaching.
    IkaiFacilitator,
    /// Leadership: read-only view of its subtree.
    Leadership,
    /// Someone who reports for one IBM unit (its Agen Pemulihan or village coordinator): reads
    /// that unit and submits its monthly reports, nothing else.
    UnitReporter,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Role::NationalAdmin,
        Role::NationalAnalyst,
        Role::BnnpOfficer,
        Role::BnnkOfficer,
        Role::InstitutionOperator,
        Role::IkaiFacilitator,
        Role::Leadership,
        Role::UnitReporter,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::NationalAdmin => "national_admin",
            Role::NationalAnalyst => "national_analyst",
            Role::BnnpOfficer => "bnnp_officer",
            Role::BnnkOfficer => "bnnk_officer",
            Role::InstitutionOperator => "institution_operator",
            Role::IkaiFacilitator => "ikai_facilitator",
            Role::Leadership => "leadership",
            Role::UnitReporter => "unit_reporter",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// What the role allows inside the subtree it is granted on.
    pub fn permits(self, permission: Permission) -> bool {
        use Permission::*;
        match self {
            Role::NationalAdmin => true,
            Role::NationalAnalyst | Role::Leadership => {
                matches!(permission, ReadData | ReadAudit | ReadPersonalData)
            }
            Role::BnnpOfficer => matches!(
                permission,
                ReadData | WriteData | SubmitReports | ReadAudit | VerifyData | ReadPersonalData
            ),
            Role::BnnkOfficer => {
                matches!(
                    permission,
                    ReadData | WriteData | SubmitReports | ReadAudit | ReadPersonalData
                )
            }
            // Always narrowed to one unit (see `Grant::unit_id`): its own agents included.
            Role::UnitReporter => matches!(permission, ReadData | SubmitReports | ReadPersonalData),
            Role::InstitutionOperator => matches!(permission, ReadData | WriteData),
            Role::IkaiFacilitator => matches!(permission, ReadData),
        }
    }

    /// Roles that only make sense when granted on the national office.
    pub fn is_national(self) -> bool {
        matches!(self, Role::NationalAdmin | Role::NationalAnalyst)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Read operational data of offices in scope (profiles, staff, and later units, reports).
    ReadData,
    /// Create or change operational data in scope.
    WriteData,
    /// Submit and correct a unit's periodic reports: office writers everywhere in scope, and a
    /// unit reporter for its one unit.
    SubmitReports,
    /// Read personal data of people in scope (names and phones of Agen Pemulihan): BNN's own
    /// staff only — not partners such as IKAI, who work on SNI coaching.
    ReadPersonalData,
    /// Read the audit trail of entities in scope.
    ReadAudit,
    /// Verify what a district submitted (a BNNP checking its BNNK's assessments).
    VerifyData,
    /// Make a verified record final (the national directorate).
    FinalizeData,
    /// Create users and grant roles inside the scope.
    ManageUsers,
    /// Change reference data: areas, the office tree, configurable lists.
    ManageReference,
}

/// One role on one office (and so on that office's subtree) — or, when `institution_id` or
/// `unit_id` is set, on that one institution or IBM unit only (an institution operator sees its
/// own institution, a unit reporter its own unit, nothing else).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    pub role: Role,
    pub office_id: i64,
    pub office_path: OfficePath,
    #[serde(default)]
    pub institution_id: Option<i64>,
    #[serde(default)]
    pub unit_id: Option<i64>,
}

impl Grant {
    /// Narrowed to one institution or one unit: reaches no office-wide data. A unit reporter's
    /// grant always is, even one stored without its unit (it then reaches nothing).
    pub fn is_narrowed(&self) -> bool {
        self.institution_id.is_some() || self.unit_id.is_some() || self.role == Role::UnitReporter
    }
}

/// The authenticated user as the access rules see it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Principal {
    pub user_id: i64,
    pub username: String,
    pub grants: Vec<Grant>,
}

/// A refusal. When the principal may not even read the record (`unseen`), the refusal says no
/// more than a missing record would: ids outside one's scope answer like ids that do not exist,
/// so they reveal nothing about what exists elsewhere.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", if *unseen { "tidak ditemukan".to_string() } else { format!("akses ditolak: {permission:?} di {target}") })]
pub struct Denied {
    pub permission: Permission,
    pub target: String,
    pub unseen: bool,
}

impl Denied {
    /// A refusal of something the principal can see (a national setting, a role it lacks).
    pub fn visible(permission: Permission, target: impl Into<String>) -> Self {
        Denied {
            permission,
            target: target.into(),
            unseen: false,
        }
    }
}

/// What [`Principal::may_roll_over`] asks for, nationally.
pub const ROLL_OVER: Permission = Permission::ManageReference;

impl Principal {
    /// The one access decision: does any grant both permit `permission` and reach `target`?
    /// Grants narrowed to an institution reach only that institution (see [`Self::can_institution`]).
    pub fn can(&self, permission: Permission, target: &OfficePath) -> bool {
        self.grants.iter().any(|g| {
            !g.is_narrowed() && g.role.permits(permission) && target.is_within(&g.office_path)
        })
    }

    /// Access to one record coached by the office at `office`: office-wide grants over it, or a
    /// grant narrowed to it (`to_it`).
    fn can_record(
        &self,
        permission: Permission,
        office: &OfficePath,
        to_it: impl Fn(&Grant) -> bool,
    ) -> bool {
        self.can(permission, office)
            || self
                .grants
                .iter()
                .any(|g| to_it(g) && g.role.permits(permission))
    }

    /// Access to data of one institution coached by the office at `office`.
    pub fn can_institution(
        &self,
        permission: Permission,
        office: &OfficePath,
        institution_id: i64,
    ) -> bool {
        self.can_record(permission, office, |g| {
            g.institution_id == Some(institution_id)
        })
    }

    pub fn authorize_institution(
        &self,
        permission: Permission,
        office: &OfficePath,
        institution_id: i64,
    ) -> Result<(), Denied> {
        if self.can_institution(permission, office, institution_id) {
            return Ok(());
        }
        Err(Denied {
            permission,
            target: format!("lembaga {institution_id}"),
            unseen: !self.can_institution(Permission::ReadData, office, institution_id),
        })
    }

    /// Access to one IBM unit coached by the office at `office`: office-wide grants over it, or
    /// a grant narrowed to that unit.
    pub fn can_unit(&self, permission: Permission, office: &OfficePath, unit_id: i64) -> bool {
        self.can_record(permission, office, |g| g.unit_id == Some(unit_id))
    }

    /// A unit reporter is told plainly that another unit is not its own (403): it knows it
    /// reports for one unit, and a refusal says more to it than "not found". Everyone else gets
    /// "not found" for what is outside their scope.
    pub fn authorize_unit(
        &self,
        permission: Permission,
        office: &OfficePath,
        unit_id: i64,
    ) -> Result<(), Denied> {
        if self.can_unit(permission, office, unit_id) {
            return Ok(());
        }
        let reporter = self.has_role(Role::UnitReporter);
        Err(Denied {
            permission,
            target: format!("unit IBM {unit_id}"),
            unseen: !reporter && !self.can_unit(Permission::ReadData, office, unit_id),
        })
    }

    /// Units reached through narrowed grants for `permission` (a unit reporter's one unit).
    pub fn unit_grants(&self, permission: Permission) -> Vec<i64> {
        self.grants
            .iter()
            .filter(|g| g.role.permits(permission))
            .filter_map(|g| g.unit_id)
            .collect()
    }

    /// Institutions reached through narrowed grants for `permission`.
    pub fn institution_grants(&self, permission: Permission) -> Vec<i64> {
        self.grants
            .iter()
            .filter(|g| g.role.permits(permission))
            .filter_map(|g| g.institution_id)
            .collect()
    }

    pub fn authorize(&self, permission: Permission, target: &OfficePath) -> Result<(), Denied> {
        if self.can(permission, target) {
            Ok(())
        } else {
            Err(Denied {
                permission,
                target: target.to_string(),
                unseen: !self.can(Permission::ReadData, target),
            })
        }
    }

    /// The subtree roots on which `permission` holds; queries filter lists by these prefixes.
    pub fn scope_roots(&self, permission: Permission) -> Vec<OfficePath> {
        let mut roots: Vec<OfficePath> = self
            .grants
            .iter()
            .filter(|g| !g.is_narrowed() && g.role.permits(permission))
            .map(|g| g.office_path.clone())
            .collect();
        roots.sort_by_key(|p| p.depth());
        // Drop roots already covered by a wider one, so SQL filters stay short.
        let mut kept: Vec<OfficePath> = Vec::new();
        for r in roots {
            if !kept.iter().any(|k| r.is_within(k)) {
                kept.push(r);
            }
        }
        kept
    }

    /// The office whose subtree the principal reads, when it is one office below the nation:
    /// where their dashboards and tables open. `None` for national readers (they open on the
    /// nation) and for readers of several separate subtrees (the nation, filtered to them).
    pub fn home_office(&self) -> Option<i64> {
        let roots = self.scope_roots(Permission::ReadData);
        match roots.as_slice() {
            [root] if root.depth() > 1 => self
                .grants
                .iter()
                .find(|g| !g.is_narrowed() && &g.office_path == root)
                .map(|g| g.office_id),
            _ => None,
        }
    }

    /// Roll-over carries every unit into the next monitoring year at once (a proposed category
    /// each, to be confirmed): the directorate's step, taken by who manages the reference data
    /// nationally.
    pub fn may_roll_over(&self) -> bool {
        self.is_national(ROLL_OVER)
    }

    /// Accounts (names, addresses, roles) are shown to who manages users or reads the audit
    /// trail somewhere; the lists are then limited to that scope.
    pub fn may_see_users(&self) -> bool {
        !self.scope_roots(Permission::ManageUsers).is_empty()
            || !self.scope_roots(Permission::ReadAudit).is_empty()
    }

    /// Whether `permission` holds over the whole nation (a grant on the root office).
    pub fn is_national(&self, permission: Permission) -> bool {
        self.grants
            .iter()
            .any(|g| !g.is_narrowed() && g.role.permits(permission) && g.office_path.depth() == 1)
    }

    pub fn has_role(&self, role: Role) -> bool {
        self.grants.iter().any(|g| g.role == role)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(role: Role, path: &OfficePath) -> Principal {
        Principal {
            user_id: 1,
            username: "u".into(),
            grants: vec![Grant {
                role,
                office_id: path.ids().last().copied().unwrap(),
                office_path: path.clone(),
                institution_id: None,
                unit_id: None,
            }],
        }
    }

    #[test]
    fn a_bnnk_officer_reaches_its_own_district_only() {
        let pusat = OfficePath::root(1);
        let jabar = pusat.child(2);
        let bandung = jabar.child(3);
        let bogor = jabar.child(4);
        let p = principal(Role::BnnkOfficer, &bandung);
        assert!(p.can(Permission::ReadData, &bandung));
        assert!(p.can(Permission::WriteData, &bandung));
        assert!(!p.can(Permission::ReadData, &bogor));
        assert!(!p.can(Permission::ReadData, &jabar));
        assert!(!p.can(Permission::ManageReference, &bandung));
    }

    #[test]
    fn a_bnnp_officer_reaches_every_district_of_its_province() {
        let pusat = OfficePath::root(1);
        let jabar = pusat.child(2);
        let jateng = pusat.child(5);
        let p = principal(Role::BnnpOfficer, &jabar);
        assert!(p.can(Permission::WriteData, &jabar.child(3)));
        assert!(p.can(Permission::ReadData, &jabar.child(4)));
        assert!(!p.can(Permission::ReadData, &jateng.child(6)));
        assert!(!p.can(Permission::ManageUsers, &jabar));
    }

    #[test]
    fn bnnp_officers_verify_and_only_national_admins_finalize() {
        let pusat = OfficePath::root(1);
        let jabar = pusat.child(2);
        let bandung = jabar.child(3);
        assert!(principal(Role::BnnpOfficer, &jabar).can(Permission::VerifyData, &bandung));
        assert!(!principal(Role::BnnkOfficer, &bandung).can(Permission::VerifyData, &bandung));
        assert!(!principal(Role::BnnpOfficer, &jabar).can(Permission::FinalizeData, &bandung));
        assert!(principal(Role::NationalAdmin, &pusat).can(Permission::FinalizeData, &bandung));
    }

    #[test]
    fn read_only_roles_never_write() {
        let pusat = OfficePath::root(1);
        for role in [
            Role::NationalAnalyst,
            Role::Leadership,
            Role::IkaiFacilitator,
        ] {
            let p = principal(role, &pusat);
            assert!(p.can(Permission::ReadData, &pusat.child(9)), "{role:?}");
            assert!(!p.can(Permission::WriteData, &pusat.child(9)), "{role:?}");
            assert!(!p.can(Permission::ManageReference, &pusat), "{role:?}");
        }
    }

    #[test]
    fn only_the_national_admin_manages_reference_data_and_users() {
        let pusat = OfficePath::root(1);
        for role in Role::ALL {
            let p = principal(role, &pusat);
            assert_eq!(
                p.can(Permission::ManageReference, &pusat),
                role == Role::NationalAdmin
            );
            assert_eq!(
                p.can(Permission::ManageUsers, &pusat),
                role == Role::NationalAdmin
            );
        }
    }

    #[test]
    fn scope_roots_drop_nested_grants() {
        let pusat = OfficePath::root(1);
        let jabar = pusat.child(2);
        let mut p = principal(Role::BnnkOfficer, &jabar.child(3));
        p.grants.push(Grant {
            role: Role::BnnpOfficer,
            office_id: 2,
            office_path: jabar.clone(),
            institution_id: None,
            unit_id: None,
        });
        assert_eq!(p.scope_roots(Permission::ReadData), vec![jabar]);
        assert!(p.scope_roots(Permission::ManageUsers).is_empty());
    }

    #[test]
    fn an_institution_grant_reaches_that_institution_only() {
        let bandung = OfficePath::root(1).child(2).child(3);
        let p = Principal {
            user_id: 9,
            username: "op".into(),
            grants: vec![Grant {
                role: Role::InstitutionOperator,
                office_id: 3,
                office_path: bandung.clone(),
                institution_id: Some(77),
                unit_id: None,
            }],
        };
        assert!(p.can_institution(Permission::WriteData, &bandung, 77));
        assert!(!p.can_institution(Permission::WriteData, &bandung, 78));
        assert!(
            !p.can(Permission::ReadData, &bandung),
            "no office-wide data such as IBM units"
        );
        assert!(p.scope_roots(Permission::ReadData).is_empty());
        assert_eq!(p.institution_grants(Permission::ReadData), vec![77]);
        let officer = principal(Role::BnnkOfficer, &bandung);
        assert!(officer.can_institution(Permission::WriteData, &bandung, 78));
    }

    #[test]
    fn a_unit_grant_reaches_that_unit_and_only_its_reports_are_written() {
        let bandung = OfficePath::root(1).child(2).child(3);
        let p = Principal {
            user_id: 9,
            username: "pelapor".into(),
            grants: vec![Grant {
                role: Role::UnitReporter,
                office_id: 3,
                office_path: bandung.clone(),
                institution_id: None,
                unit_id: Some(501),
            }],
        };
        assert!(p.can_unit(Permission::ReadData, &bandung, 501));
        assert!(p.can_unit(Permission::SubmitReports, &bandung, 501));
        assert!(p.can_unit(Permission::ReadPersonalData, &bandung, 501));
        assert!(
            !p.can_unit(Permission::WriteData, &bandung, 501),
            "no agents, visits, years"
        );
        assert!(!p.can_unit(Permission::ReadData, &bandung, 502));
        assert!(
            !p.authorize_unit(Permission::ReadData, &bandung, 502)
                .unwrap_err()
                .unseen,
            "another unit is refused to its face (403), not hidden"
        );
        assert!(
            !p.can(Permission::ReadData, &bandung),
            "no office-wide data"
        );
        assert!(p.scope_roots(Permission::ReadData).is_empty());
        assert_eq!(p.home_office(), None);
        assert_eq!(p.unit_grants(Permission::SubmitReports), vec![501]);
        assert!(p.institution_grants(Permission::ReadData).is_empty());
        let officer = principal(Role::BnnkOfficer, &bandung);
        assert!(officer.can_unit(Permission::SubmitReports, &bandung, 502));
    }

    #[test]
    fn only_bnn_staff_read_the_personal_data_of_agents() {
        let pusat = OfficePath::root(1);
        for role in Role::ALL {
            let p = principal(role, &pusat);
            assert_eq!(
                p.can(Permission::ReadPersonalData, &pusat.child(9)),
                !matches!(
                    role,
                    Role::IkaiFacilitator | Role::InstitutionOperator | Role::UnitReporter
                ),
                "{role:?}"
            );
        }
    }

    #[test]
    fn a_refusal_outside_ones_scope_reads_like_a_missing_record() {
        let pusat = OfficePath::root(1);
        let jabar = pusat.child(2);
        let p = principal(Role::BnnkOfficer, &jabar.child(3));
        let outside = p
            .authorize(Permission::ReadData, &jabar.child(4))
            .unwrap_err();
        assert!(outside.unseen);
        assert_eq!(outside.to_string(), "tidak ditemukan");
        let leader = principal(Role::Leadership, &jabar);
        let read_only = leader
            .authorize(Permission::WriteData, &jabar.child(4))
            .unwrap_err();
        assert!(
            !read_only.unseen,
            "a record one can read is refused as such"
        );
    }

    #[test]
    fn role_names_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn dashboards_open_on_the_one_office_a_reader_covers() {
        let nation = OfficePath::root(1);
        let jabar = nation.child(7);
        let bandung = jabar.child(42);
        assert_eq!(
            principal(Role::NationalAnalyst, &nation).home_office(),
            None
        );
        assert_eq!(principal(Role::BnnpOfficer, &jabar).home_office(), Some(7));
        assert_eq!(
            principal(Role::BnnkOfficer, &bandung).home_office(),
            Some(42)
        );
        // A BNNK grant inside a BNNP grant: the wider one is where they work.
        let mut both = principal(Role::BnnpOfficer, &jabar);
        both.grants
            .extend(principal(Role::BnnkOfficer, &bandung).grants);
        assert_eq!(both.home_office(), Some(7));
        // Two separate provinces: no single office; they open on the nation, filtered.
        let mut two = principal(Role::BnnpOfficer, &jabar);
        two.grants
            .extend(principal(Role::BnnpOfficer, &nation.child(8)).grants);
        assert_eq!(two.home_office(), None);
    }
}
