pub mod admin;
pub mod admin_dashboard;
pub mod admin_webhooks;
pub mod charge;
pub mod demo;
pub mod projects;
pub mod sessions;
pub mod widget_page;
