//! KV access, typed. One namespace (`MAVEN_KV`), keys by prefix:
//! `apikey:<sha256>`, `account:<id>`, `project:<id>`, `slug:<account>:<slug>`,
//! `projects:<account>` (id list), `session:<id>`,
//! `delivery:<id>` (a webhook delivery), `deliveries:<project>:<newest-first time>:<id>` (its
//! index: one key per delivery, so concurrent charges never overwrite each other's entry).

use crate::http::ApiResult;
use crate::memo;
use maven_core::error::ApiError;
use maven_core::model::{Account, ApiKeyRecord, Project};
use maven_core::session::Session;
use maven_core::webhook::delivery::{Delivery, RETENTION_SECS};
use serde::de::DeserializeOwned;
use serde::Serialize;
use worker::kv::KvStore;
use worker::Env;

pub struct Store {
    kv: KvStore,
}

fn kv_error(what: &str) -> ApiError {
    ApiError::Internal(format!("storage error while {what}"))
}

impl Store {
    pub fn from_env(env: &Env) -> ApiResult<Store> {
        let kv = env
            .kv("MAVEN_KV")
            .map_err(|_| ApiError::Internal("KV binding MAVEN_KV is missing".into()))?;
        Ok(Store { kv })
    }

    pub async fn get<T: DeserializeOwned>(&self, key: &str) -> ApiResult<Option<T>> {
        let text = match memo::get(key) {
            Some(text) => text,
            None => {
                let text = self
                    .kv
                    .get(key)
                    .text()
                    .await
                    .map_err(|_| kv_error("reading"))?;
                if memo::applies(key) {
                    memo::put(key, text.clone());
                }
                text
            }
        };
        match text {
            None => Ok(None),
            Some(t) => serde_json::from_str(&t)
                .map(Some)
                .map_err(|_| ApiError::Internal("a stored record could not be read".into())),
        }
    }

    /// Writes JSON; `expiration` is an absolute unix time after which KV drops the key.
    pub async fn put<T: Serialize>(
        &self,
        key: &str,
        value: &T,
        expiration: Option<u64>,
    ) -> ApiResult<()> {
        let text = serde_json::to_string(value)
            .map_err(|_| ApiError::Internal("could not encode a record".into()))?;
        if memo::applies(key) {
            memo::put(key, Some(text.clone()));
        }
        let mut put = self.kv.put(key, text).map_err(|_| kv_error("writing"))?;
        if let Some(at) = expiration {
            put = put.expiration(at);
        }
        put.execute().await.map_err(|_| kv_error("writing"))
    }

    pub async fn api_key(&self, hash: &str) -> ApiResult<Option<ApiKeyRecord>> {
        self.get(&format!("apikey:{hash}")).await
    }

    pub async fn put_api_key(&self, hash: &str, rec: &ApiKeyRecord) -> ApiResult<()> {
        self.put(&format!("apikey:{hash}"), rec, None).await
    }

    pub async fn account(&self, id: &str) -> ApiResult<Option<Account>> {
        self.get(&format!("account:{id}")).await
    }

    pub async fn put_account(&self, a: &Account) -> ApiResult<()> {
        self.put(&format!("account:{}", a.id), a, None).await
    }

    pub async fn project(&self, id: &str) -> ApiResult<Option<Project>> {
        self.get(&format!("project:{id}")).await
    }

    /// One page of every project id, in key order, for jobs over all projects (a key
    /// rotation). Returns the ids and the cursor of the next page (`None` after the last).
    pub async fn project_page(
        &self,
        cursor: Option<String>,
        limit: u64,
    ) -> ApiResult<(Vec<String>, Option<String>)> {
        let mut list = self.kv.list().prefix("project:".into()).limit(limit);
        if let Some(c) = cursor {
            list = list.cursor(c);
        }
        let page = list.execute().await.map_err(|_| kv_error("listing"))?;
        let ids = page
            .keys
            .into_iter()
            .filter_map(|k| k.name.strip_prefix("project:").map(str::to_string))
            .collect();
        let next = (!page.list_complete).then_some(page.cursor).flatten();
        Ok((ids, next))
    }

    pub async fn project_id_by_slug(&self, account: &str, slug: &str) -> ApiResult<Option<String>> {
        self.get(&format!("slug:{account}:{slug}")).await
    }

    pub async fn project_ids(&self, account: &str) -> ApiResult<Vec<String>> {
        Ok(self
            .get(&format!("projects:{account}"))
            .await?
            .unwrap_or_default())
    }

    /// Saves a project and keeps its slug and account index in step.
    pub async fn put_project(&self, p: &Project) -> ApiResult<()> {
        self.put(&format!("project:{}", p.id), p, None).await?;
        self.put(&format!("slug:{}:{}", p.account_id, p.slug), &p.id, None)
            .await?;
        let mut ids = self.project_ids(&p.account_id).await?;
        if !ids.contains(&p.id) {
            ids.push(p.id.clone());
            self.put(&format!("projects:{}", p.account_id), &ids, None)
                .await?;
        }
        Ok(())
    }

    pub async fn session(&self, id: &str) -> ApiResult<Option<Session>> {
        self.get(&format!("session:{id}")).await
    }

    pub async fn put_session(&self, s: &Session) -> ApiResult<()> {
        self.put(&format!("session:{}", s.id), s, Some(s.kv_expiration()))
            .await
    }

    pub async fn delivery(&self, id: &str) -> ApiResult<Option<Delivery>> {
        self.get(&format!("delivery:{id}")).await
    }

    /// Kept for `RETENTION_SECS` after its last change.
    pub async fn put_delivery(&self, d: &Delivery, now: u64) -> ApiResult<()> {
        self.put(&format!("delivery:{}", d.id), d, Some(now + RETENTION_SECS))
            .await
    }

    /// Adds a new delivery to its project's index. KV lists keys in lexicographic order, so the
    /// time part counts down: the newest delivery comes first.
    pub async fn index_delivery(&self, d: &Delivery) -> ApiResult<()> {
        let newest_first = 9_999_999_999u64.saturating_sub(d.created_at);
        let key = format!("deliveries:{}:{newest_first:010}:{}", d.project_id, d.id);
        self.put(&key, &d.id, Some(d.created_at + RETENTION_SECS))
            .await
    }

    /// Ids of the project's most recent deliveries, newest first.
    pub async fn recent_delivery_ids(
        &self,
        project_id: &str,
        limit: u64,
    ) -> ApiResult<Vec<String>> {
        let listed = self
            .kv
            .list()
            .prefix(format!("deliveries:{project_id}:"))
            .limit(limit)
            .execute()
            .await
            .map_err(|_| kv_error("listing"))?;
        Ok(listed
            .keys
            .iter()
            .filter_map(|k| k.name.rsplit(':').next().map(str::to_string))
            .collect())
    }
}
