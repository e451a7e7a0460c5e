//! Errors at the web edge: each becomes a Japanese page (or a redirect to the login form).
//! Details of unexpected errors go to the log with an id that the page shows, to quote to
//! support.

use crate::auth::permission::Menu;
use crate::db::DbError;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use askama::Template;

#[derive(Debug)]
pub enum AppError {
    /// Not logged in (or the session ended): go to the login form, then back to `next`.
    Login { next: String, reason: &'static str },
    /// Logged in, but the current office does not grant this menu.
    Forbidden { menu: Menu },
    /// Only managers (管理者) may do this.
    ManagerOnly,
    /// The form's CSRF token was missing or wrong.
    Csrf,
    /// Missing, or another corporation's.
    NotFound,
    /// The request itself is malformed (a message for the screen).
    BadRequest(String),
    /// The file existed but its bytes were removed at the end of the retention period
    /// (a message for the screen naming the file and the period).
    Gone(String),
    /// Anything unexpected; logged with this id.
    Internal { id: String },
}

impl AppError {
    pub fn internal(detail: impl std::fmt::Display) -> AppError {
        let id = crate::auth::password::random_token()[..8].to_uppercase();
        log::error!("[{id}] {detail}");
        AppError::Internal { id }
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self:?}")
    }
}

impl From<DbError> for AppError {
    fn from(e: DbError) -> Self {
        AppError::internal(e)
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        AppError::internal(e)
    }
}

impl From<actix_web::error::BlockingError> for AppError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        AppError::internal(e)
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    title: &'a str,
    message: String,
    hint: &'a str,
    incident: Option<&'a str>,
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::Login { .. } => StatusCode::SEE_OTHER,
            AppError::Forbidden { .. } | AppError::ManagerOnly | AppError::Csrf => {
                StatusCode::FORBIDDEN
            }
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Gone(_) => StatusCode::GONE,
            AppError::Internal { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let AppError::Login { next, reason } = self {
            let mut location = format!("/login?next={}", super::url_encode(next));
            if !reason.is_empty() {
                location.push_str("&reason=");
                location.push_str(reason);
            }
            return HttpResponse::SeeOther()
                .insert_header((header::LOCATION, location))
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .finish();
        }
        let page = match self {
            AppError::Forbidden { menu } => ErrorPage {
                title: "この画面を使う権限がありません",
                message: format!(
                    "現在の事業所で「{}」の権限が設定されていません。",
                    menu.label()
                ),
                hint: "必要な場合は、事業所の管理者に権限情報の設定を依頼してください。",
                incident: None,
            },
            AppError::ManagerOnly => ErrorPage {
                title: "管理者だけが行える操作です",
                message: "この操作は管理者の職員だけが行えます。".into(),
                hint: "必要な場合は、法人の管理者に依頼してください。",
                incident: None,
            },
            AppError::Csrf => ErrorPage {
                title: "画面の有効期限が切れました",
                message:
                    "安全のため、この送信は受け付けませんでした（確認用の情報が一致しません）。"
                        .into(),
                hint: "前の画面に戻り、ページを再読み込みしてからもう一度操作してください。",
                incident: None,
            },
            AppError::NotFound => ErrorPage {
                title: "ページが見つかりません",
                message: "指定されたページまたはデータは存在しないか、表示できません。".into(),
                hint: "トップページから操作をやり直してください。",
                incident: None,
            },
            AppError::BadRequest(message) => ErrorPage {
                title: "送信内容に誤りがあります",
                message: message.clone(),
                hint: "前の画面に戻り、入力内容を確認してください。",
                incident: None,
            },
            AppError::Gone(message) => ErrorPage {
                title: "このファイルは削除されています",
                message: message.clone(),
                hint: "ファイル名や日時などの記録は残っています。内容が必要な場合は、もう一度出力するか、送信元に再送を依頼してください。",
                incident: None,
            },
            AppError::Internal { id } => ErrorPage {
                title: "処理中に問題が発生しました",
                message: "申し訳ありません。処理を完了できませんでした。".into(),
                hint: "時間をおいてもう一度お試しください。続く場合は、下の受付番号をサポートにお伝えください。",
                incident: Some(id),
            },
            AppError::Login { .. } => unreachable!("handled above"),
        };
        let body = page
            .render()
            .unwrap_or_else(|_| "エラーが発生しました。".to_string());
        HttpResponse::build(self.status_code())
            .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .body(body)
    }
}

pub type AppResult<T> = Result<T, AppError>;
