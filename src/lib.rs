//! Tsunagi (つなぎ): care-plan data exchange for Japanese home-care offices.
//!
//! The rooms: `standard` (the ケアプランデータ連携 codec, pure), `domain` (care-insurance
//! concepts, pure), `db` (both database backends), `auth` (passwords, sessions, permissions),
//! `jobs` (the background queue), `web` (one module per screen), `cli` (command line),
//! `demo` (the demonstration data behind `serve --demo`).

pub mod allocator;
pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod exchange;
pub mod jobs;
pub mod parallel;
pub mod standard;
pub mod web;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::{App, web as aw};
use std::sync::Arc;

/// What every handler can reach: the database and the settings.
#[derive(Clone)]
pub struct AppState {
    pub db: db::Db,
    pub settings: Arc<config::Settings>,
}

/// The whole web application, for `serve` and for the tests.
pub fn build_app(
    state: AppState,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    App::new()
        .app_data(aw::Data::new(state))
        .app_data(aw::FormConfig::default().limit(256 * 1024))
        .app_data(aw::PayloadConfig::default().limit(256 * 1024))
        .app_data(
            actix_multipart::form::MultipartFormConfig::default()
                .total_limit(50 * 1024 * 1024)
                .memory_limit(50 * 1024 * 1024)
                .error_handler(|e, _req| {
                    log::info!("upload refused: {e}");
                    web::AppError::BadRequest(
                        "アップロードできませんでした。1ファイル10MB、1回に合計50MBまでです。大きい場合は数回に分けてアップロードしてください。"
                            .into(),
                    )
                    .into()
                }),
        )
        .wrap(actix_web::middleware::from_fn(web::security_headers))
        .wrap(actix_web::middleware::Logger::new("%a \"%r\" %s %Dms"))
        .configure(web::routes)
        .default_service(aw::to(web::not_found))
}
