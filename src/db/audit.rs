//! The audit log: who did what, when, in which office.

use super::schema::{audit_log, staff};
use super::{DbConnection, DbResult, now};
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
pub struct AuditEntry {
    pub id: i64,
    pub corporation_id: Option<i64>,
    pub office_id: Option<i64>,
    pub staff_id: Option<i64>,
    pub login_id: String,
    pub action: String,
    pub detail: String,
    pub client_addr: String,
    pub created_at: NaiveDateTime,
}

/// What happened. The key is stored; the label is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    LoginSucceeded,
    LoginFailed,
    LoginLocked,
    Logout,
    PasswordChanged,
    PasswordReset,
    OfficeSwitched,
    StaffCreated,
    StaffUpdated,
    StaffMembershipsChanged,
    PermissionsChanged,
    OfficeSaved,
    PartnerSaved,
    SettingsSaved,
    JobRequested,
    Downloaded,
    RecipientSaved,
    PlanSaved,
    ScheduleSaved,
    CarePlanExported,
    CarePlanReceived,
    CarePlanImported,
    FilesExpired,
}

impl Action {
    pub const ALL: [Action; 23] = [
        Action::LoginSucceeded,
        Action::LoginFailed,
        Action::LoginLocked,
        Action::Logout,
        Action::PasswordChanged,
        Action::PasswordReset,
        Action::OfficeSwitched,
        Action::StaffCreated,
        Action::StaffUpdated,
        Action::StaffMembershipsChanged,
        Action::PermissionsChanged,
        Action::OfficeSaved,
        Action::PartnerSaved,
        Action::SettingsSaved,
        Action::JobRequested,
        Action::Downloaded,
        Action::RecipientSaved,
        Action::PlanSaved,
        Action::ScheduleSaved,
        Action::CarePlanExported,
        Action::CarePlanReceived,
        Action::CarePlanImported,
        Action::FilesExpired,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Action::LoginSucceeded => "login",
            Action::LoginFailed => "login_failed",
            Action::LoginLocked => "login_locked",
            Action::Logout => "logout",
            Action::PasswordChanged => "password_changed",
            Action::PasswordReset => "password_reset",
            Action::OfficeSwitched => "office_switched",
            Action::StaffCreated => "staff_created",
            Action::StaffUpdated => "staff_updated",
            Action::StaffMembershipsChanged => "staff_memberships",
            Action::PermissionsChanged => "permissions_changed",
            Action::OfficeSaved => "office_saved",
            Action::PartnerSaved => "partner_saved",
            Action::SettingsSaved => "settings_saved",
            Action::JobRequested => "job_requested",
            Action::Downloaded => "downloaded",
            Action::RecipientSaved => "recipient_saved",
            Action::PlanSaved => "plan_saved",
            Action::ScheduleSaved => "schedule_saved",
            Action::CarePlanExported => "careplan_exported",
            Action::CarePlanReceived => "careplan_received",
            Action::CarePlanImported => "careplan_imported",
            Action::FilesExpired => "files_expired",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Action::LoginSucceeded => "ログイン",
            Action::LoginFailed => "ログイン失敗",
            Action::LoginLocked => "アカウントロック",
            Action::Logout => "ログアウト",
            Action::PasswordChanged => "パスワード変更",
            Action::PasswordReset => "パスワード再設定",
            Action::OfficeSwitched => "事業所切替",
            Action::StaffCreated => "職員登録",
            Action::StaffUpdated => "職員情報変更",
            Action::StaffMembershipsChanged => "所属変更",
            Action::PermissionsChanged => "権限変更",
            Action::OfficeSaved => "自社情報変更",
            Action::PartnerSaved => "他社情報変更",
            Action::SettingsSaved => "システム設定変更",
            Action::JobRequested => "一括処理依頼",
            Action::Downloaded => "ダウンロード",
            Action::RecipientSaved => "利用者情報変更",
            Action::PlanSaved => "計画書変更",
            Action::ScheduleSaved => "予定実績変更",
            Action::CarePlanExported => "ケアプラン連携出力",
            Action::CarePlanReceived => "ケアプラン連携受信",
            Action::CarePlanImported => "ケアプラン連携取込",
            Action::FilesExpired => "保存期間経過による削除",
        }
    }

    pub fn label_of(key: &str) -> String {
        Action::ALL
            .iter()
            .find(|a| a.key() == key)
            .map(|a| a.label().to_string())
            .unwrap_or_else(|| key.to_string())
    }
}

pub struct NewEntry<'a> {
    pub corporation_id: Option<i64>,
    pub office_id: Option<i64>,
    pub staff_id: Option<i64>,
    pub login_id: &'a str,
    pub action: Action,
    pub detail: &'a str,
    pub client_addr: &'a str,
}

pub fn record(conn: &mut DbConnection, e: &NewEntry<'_>) -> DbResult<()> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::corporation_id.eq(e.corporation_id),
            audit_log::office_id.eq(e.office_id),
            audit_log::staff_id.eq(e.staff_id),
            audit_log::login_id.eq(e.login_id),
            audit_log::action.eq(e.action.key()),
            audit_log::detail.eq(e.detail),
            audit_log::client_addr.eq(e.client_addr),
            audit_log::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct AuditFilter {
    /// Inclusive, naive UTC.
    pub from: Option<NaiveDateTime>,
    /// Exclusive, naive UTC.
    pub until: Option<NaiveDateTime>,
    pub staff_id: Option<i64>,
}

/// An entry with the acting staff member's name, when known.
pub type AuditRow = (AuditEntry, Option<String>);

/// A corporation's entries, newest first, with the acting staff member's name when known.
pub fn search(
    conn: &mut DbConnection,
    corporation_id: i64,
    filter: &AuditFilter,
    limit: i64,
    offset: i64,
) -> DbResult<(Vec<AuditRow>, i64)> {
    let build = || {
        let mut q = audit_log::table
            .left_join(staff::table.on(staff::id.nullable().eq(audit_log::staff_id)))
            .filter(audit_log::corporation_id.eq(corporation_id))
            .into_boxed();
        if let Some(from) = filter.from {
            q = q.filter(audit_log::created_at.ge(from));
        }
        if let Some(until) = filter.until {
            q = q.filter(audit_log::created_at.lt(until));
        }
        if let Some(staff_id) = filter.staff_id {
            q = q.filter(audit_log::staff_id.eq(staff_id));
        }
        q
    };
    let total = build().count().get_result(conn)?;
    let rows = build()
        .order(audit_log::id.desc())
        .limit(limit)
        .offset(offset)
        .select((AuditEntry::as_select(), staff::name.nullable()))
        .load(conn)?;
    Ok((rows, total))
}
