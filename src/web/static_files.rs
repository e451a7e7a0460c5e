//! Our own CSS and JavaScript, compiled into the binary so the app runs from any folder on a
//! closed office network (no CDN).

use actix_web::http::header;
use actix_web::{HttpResponse, web};

static FILES: &[(&str, &str, &[u8])] = &[
    (
        "app.css",
        "text/css; charset=utf-8",
        include_bytes!("../../static/app.css"),
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../static/app.js"),
    ),
];

pub async fn serve(path: web::Path<String>) -> HttpResponse {
    let name = path.into_inner();
    match FILES.iter().find(|(n, _, _)| *n == name) {
        Some((_, content_type, body)) => HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, *content_type))
            .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
            .body(*body),
        None => HttpResponse::NotFound().finish(),
    }
}
