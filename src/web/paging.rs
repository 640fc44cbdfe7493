//! Page numbers for long lists: `?page=N` read leniently, and the links to other pages.

use serde::Deserialize;

/// `?page=N&q=…` as it arrives; nonsense in `page` means the first page.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    pub page: Option<String>,
    pub q: Option<String>,
}

impl ListQuery {
    pub fn page(&self) -> i64 {
        self.page.as_deref().and_then(|p| p.trim().parse().ok()).filter(|p| *p >= 1).unwrap_or(1)
    }

    /// The search text, trimmed and at most 100 characters.
    pub fn search(&self) -> String {
        self.q.as_deref().unwrap_or_default().trim().chars().take(100).collect()
    }
}

pub struct Pager {
    pub page: i64,
    pub pages: i64,
    /// The list's URL with its query so far, ending in `?` or `&`, ready for `page=N`.
    pub base: String,
}

impl Pager {
    pub fn new(page: i64, per_page: i64, total: i64, base: String) -> Pager {
        let pages = ((total + per_page - 1) / per_page).max(1);
        Pager { page: page.min(pages), pages, base }
    }

    /// `(limit, offset)` of the current page.
    pub fn window(&self, per_page: i64) -> (i64, i64) {
        (per_page, (self.page - 1) * per_page)
    }

    pub fn href(&self, page: i64) -> String {
        format!("{}page={page}", self.base)
    }

    pub fn previous(&self) -> Option<String> {
        (self.page > 1).then(|| self.href(self.page - 1))
    }

    pub fn next(&self) -> Option<String> {
        (self.page < self.pages).then(|| self.href(self.page + 1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_past_the_end_shows_the_last_page_and_nonsense_the_first() {
        let pager = Pager::new(9, 50, 120, "/x?".to_owned());
        assert_eq!((pager.page, pager.pages), (3, 3));
        assert_eq!(pager.window(50), (50, 100));
        assert_eq!(pager.previous().as_deref(), Some("/x?page=2"));
        assert_eq!(pager.next(), None);
        assert_eq!(Pager::new(1, 50, 0, String::new()).pages, 1);
        assert_eq!(ListQuery { page: Some("-3".into()), q: None }.page(), 1);
        assert_eq!(ListQuery { page: Some("abc".into()), q: None }.page(), 1);
    }
}
