//! What every page's frame shows: corporation, current office and its switcher, the staff
//! member, the menus they may use, the breadcrumb and the CSRF token for forms.

use crate::auth::{Auth, Menu};

pub struct MenuLink {
    pub label: &'static str,
    pub path: &'static str,
    pub active: bool,
}

pub struct OfficeChoice {
    pub id: i64,
    pub label: String,
    pub selected: bool,
    pub primary: bool,
}

pub struct Crumb {
    pub label: String,
    pub href: Option<String>,
}

pub struct Layout {
    pub title: String,
    pub corporation_name: String,
    pub office_name: String,
    pub office_label: String,
    pub staff_name: String,
    pub is_manager: bool,
    pub menus: Vec<MenuLink>,
    pub offices: Vec<OfficeChoice>,
    pub can_switch_office: bool,
    pub crumbs: Vec<Crumb>,
    pub csrf: String,
    pub unfinished_jobs: i64,
    pub notice: Option<String>,
    /// Reload the page every few seconds (the job list while anything runs).
    pub refresh: bool,
}

/// Screens that exist; menus for screens added by later work appear when their routes do.
pub fn screen_exists(menu: Menu) -> bool {
    crate::web::SCREENS.contains(&menu)
}

impl Layout {
    /// `crumbs` are the steps after トップページ: (label, link); the last one is the page.
    pub fn new(
        auth: &Auth,
        active: Option<Menu>,
        title: &str,
        crumbs: &[(&str, Option<&str>)],
    ) -> Layout {
        let menus = Menu::ALL
            .into_iter()
            .filter(|m| auth.can(*m) && screen_exists(*m))
            .map(|m| MenuLink {
                label: m.label(),
                path: m.path(),
                active: Some(m) == active,
            })
            .collect();
        let offices = auth
            .offices
            .iter()
            .map(|(o, primary)| OfficeChoice {
                id: o.id,
                label: format!("{}（{}）", o.name, o.service_type_name()),
                selected: o.id == auth.office.id,
                primary: *primary,
            })
            .collect();
        let mut all_crumbs = vec![Crumb {
            label: "トップページ".into(),
            href: Some("/".into()),
        }];
        all_crumbs.extend(crumbs.iter().map(|(label, href)| Crumb {
            label: (*label).to_string(),
            href: href.map(str::to_string),
        }));
        if let Some(last) = all_crumbs.last_mut() {
            last.href = None;
        }
        Layout {
            title: title.to_string(),
            corporation_name: auth.corporation.name.clone(),
            office_name: auth.office.name.clone(),
            office_label: auth.office.number_and_type(),
            staff_name: auth.staff.name.clone(),
            is_manager: auth.staff.is_manager,
            menus,
            offices,
            can_switch_office: auth.can(Menu::OfficeSelect) && auth.offices.len() > 1,
            crumbs: all_crumbs,
            csrf: auth.csrf_token.clone(),
            unfinished_jobs: auth.unfinished_jobs,
            notice: None,
            refresh: false,
        }
    }

    pub fn with_notice(mut self, notice: Option<String>) -> Layout {
        self.notice = notice;
        self
    }
}
