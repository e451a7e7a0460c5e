//! The permission model: per office, the set of menus (screens) a staff member may use.

use std::collections::BTreeSet;

/// A screen that can be granted office by office (権限情報).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Menu {
    /// 事業所選択: may switch the current office in the header.
    OfficeSelect,
    /// 自社情報
    Offices,
    /// 他社情報
    Partners,
    /// 職員情報
    Staff,
    /// 利用者基本情報
    Recipients,
    /// 予定実績
    Schedules,
    /// ケアプラン連携
    CarePlanExchange,
    /// 一括処理状況確認: all of the office's background jobs (one's own are always visible).
    Jobs,
    /// システム設定
    Settings,
}

impl Menu {
    pub const ALL: [Menu; 9] = [
        Menu::OfficeSelect,
        Menu::Offices,
        Menu::Partners,
        Menu::Staff,
        Menu::Recipients,
        Menu::Schedules,
        Menu::CarePlanExchange,
        Menu::Jobs,
        Menu::Settings,
    ];

    /// The key stored in the `permissions` table.
    pub fn key(self) -> &'static str {
        match self {
            Menu::OfficeSelect => "office_select",
            Menu::Offices => "offices",
            Menu::Partners => "partners",
            Menu::Staff => "staff",
            Menu::Recipients => "recipients",
            Menu::Schedules => "schedules",
            Menu::CarePlanExchange => "careplan",
            Menu::Jobs => "jobs",
            Menu::Settings => "settings",
        }
    }

    pub fn from_key(key: &str) -> Option<Menu> {
        Menu::ALL.into_iter().find(|m| m.key() == key)
    }

    /// The name staff see on screen.
    pub fn label(self) -> &'static str {
        match self {
            Menu::OfficeSelect => "事業所選択",
            Menu::Offices => "自社情報",
            Menu::Partners => "他社情報",
            Menu::Staff => "職員情報",
            Menu::Recipients => "利用者基本情報",
            Menu::Schedules => "予定実績",
            Menu::CarePlanExchange => "ケアプラン連携",
            Menu::Jobs => "一括処理状況確認",
            Menu::Settings => "システム設定",
        }
    }

    /// A one-line explanation for the top page and the permission checklist.
    pub fn description(self) -> &'static str {
        match self {
            Menu::OfficeSelect => "画面上部で作業する事業所を切り替えます。",
            Menu::Offices => "自社の事業所の番号・名称・地域区分などを登録します。",
            Menu::Partners => "やり取りする他社の事業所と連携対応の状況を登録します。",
            Menu::Staff => "職員の登録、所属事業所、画面ごとの権限を設定します。",
            Menu::Recipients => "利用者の基本情報・保険・認定情報を登録します。",
            Menu::Schedules => "月ごとのサービス予定と実績（第6表・第7表）を作成します。",
            Menu::CarePlanExchange => "ケアプランデータ連携のCSVを出力・取込します。",
            Menu::Jobs => "事業所のすべての一括処理の状況を確認し、結果をダウンロードします。",
            Menu::Settings => "法人情報とシステムの設定を確認・変更します。",
        }
    }

    /// Where the menu leads. Screens of later work point at their own pages.
    pub fn path(self) -> &'static str {
        match self {
            Menu::OfficeSelect => "/office",
            Menu::Offices => "/offices",
            Menu::Partners => "/partners",
            Menu::Staff => "/staff",
            Menu::Recipients => "/recipients",
            Menu::Schedules => "/schedules",
            Menu::CarePlanExchange => "/careplan",
            Menu::Jobs => "/jobs",
            Menu::Settings => "/settings",
        }
    }
}

/// The menus one staff member has in one office.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MenuSet(BTreeSet<Menu>);

impl MenuSet {
    pub fn from_keys<'a>(keys: impl IntoIterator<Item = &'a str>) -> MenuSet {
        MenuSet(keys.into_iter().filter_map(Menu::from_key).collect())
    }

    pub fn all() -> MenuSet {
        MenuSet(Menu::ALL.into_iter().collect())
    }

    pub fn contains(&self, menu: Menu) -> bool {
        self.0.contains(&menu)
    }

    pub fn iter(&self) -> impl Iterator<Item = Menu> + '_ {
        self.0.iter().copied()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }
}

impl FromIterator<Menu> for MenuSet {
    fn from_iter<I: IntoIterator<Item = Menu>>(iter: I) -> Self {
        MenuSet(iter.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_unknown_keys_are_ignored() {
        for m in Menu::ALL {
            assert_eq!(Menu::from_key(m.key()), Some(m));
        }
        let set = MenuSet::from_keys(["staff", "bogus", "careplan"]);
        assert_eq!(set.len(), 2);
        assert!(set.contains(Menu::Staff) && set.contains(Menu::CarePlanExchange));
    }
}
