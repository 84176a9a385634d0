// Dashboard "Team": the account's users and their roles; owners invite owners or members
// (POST /v1/dashboard/invites) and pass the one-time link on themselves (no e-mail is sent).

import { h } from "./dom.js";

const ROLE = { owner: "Owner", member: "Member" };

export function teamPage({ root, api, detail, say }) {
  const err = h("div", { className: "banner", role: "alert", hidden: true });
  const tbody = h("tbody", { id: "team-body" });
  const email = h("input", { id: "invite-email", type: "email", autocomplete: "off", spellcheck: false, "aria-describedby": "err-invite-email" });
  const emailErr = h("p", { className: "err", id: "err-invite-email" });
  const role = h("select", { id: "invite-role" }, h("option", { value: "member" }, "Member: no API keys or secrets"), h("option", { value: "owner" }, "Owner: everything"));
  const link = h("section", { className: "card reveal", hidden: true, "aria-labelledby": "h-link" });
  const form = h("form", { className: "key-create", id: "invite-form", noValidate: true, onsubmit: invite },
    h("div", { className: "field" }, h("label", { htmlFor: "invite-email" }, "E-mail"), email, emailErr),
    h("div", { className: "field" }, h("label", { htmlFor: "invite-role" }, "Role"), role),
    h("button", { type: "submit", className: "btn btn-primary", id: "invite-send" }, "Create invite link"));
  const inviteCard = h("section", { className: "card", "aria-labelledby": "h-invite" },
    h("header", { className: "card-head" }, h("h2", { id: "h-invite" }, "Invite someone"),
      h("p", {}, "You get a one-time link, valid for 7 days, to pass on yourself.")),
    h("div", { className: "card-body" }, form));
  root.replaceChildren(
    h("div", { className: "page-head" }, h("div", {},
      h("p", { className: "crumbs" }, "Settings"),
      h("h1", {}, "Team"),
      h("p", { className: "lede" }, "Who can sign in to this account. Owners can do everything; members cannot see API keys, gateway credentials or webhook secrets."))),
    err, link,
    h("section", { className: "card", "aria-labelledby": "h-members" },
      h("header", { className: "card-head" }, h("h2", { id: "h-members" }, "Users")),
      h("div", { className: "card-body" }, h("div", { className: "table-wrap" },
        h("table", { className: "keys" }, h("caption", { className: "sr" }, "Users"),
          h("thead", {}, h("tr", {}, ...["Name", "E-mail", "Role"].map((t) => h("th", { scope: "col" }, t)))), tbody)))),
    inviteCard);

  async function load() {
    root.dataset.state = "loading";
    const r = await api("GET", "/v1/dashboard/members");
    root.dataset.state = "ready";
    if (r.status !== 200) {
      err.textContent = detail(r.json, `Could not load the team (HTTP ${r.status}).`);
      err.hidden = false;
      return;
    }
    tbody.replaceChildren(...r.json.members.map((m) => h("tr", {},
      h("th", { scope: "row" }, m.name), h("td", {}, m.email), h("td", {}, ROLE[m.role] || m.role))));
  }

  async function invite(e) {
    e.preventDefault();
    emailErr.textContent = "";
    email.removeAttribute("aria-invalid");
    const r = await api("POST", "/v1/dashboard/invites", { email: email.value.trim(), role: role.value });
    if (r.status === 422 || r.status === 409) {
      emailErr.textContent = r.status === 409 ? detail(r.json, "") : r.json.detail.map((d) => d.msg.replace(/^Value error, /, "")).join(" ");
      email.setAttribute("aria-invalid", "true");
      return email.focus();
    }
    if (r.status !== 201) {
      err.textContent = detail(r.json, `Could not create the invite (HTTP ${r.status}).`);
      err.hidden = false;
      return;
    }
    const url = h("code", { className: "secret", id: "invite-link" }, r.json.invite_url);
    const copy = h("button", { type: "button", className: "btn", onclick: async () => {
      try { await navigator.clipboard.writeText(r.json.invite_url); say("Link copied"); } catch { say("Select the link and copy it"); }
    } }, "Copy");
    link.replaceChildren(
      h("header", { className: "card-head" }, h("h2", { id: "h-link" }, `Invite link for ${r.json.email}`),
        h("p", {}, `Works once, until ${new Date(r.json.expires_at * 1000).toLocaleString("en-US", { dateStyle: "medium", timeStyle: "short" })}.`)),
      h("div", { className: "card-body reveal-body" }, h("div", { className: "secret-row" }, url, copy)));
    link.hidden = false;
    email.value = "";
  }

  return {
    async open(myRole) {
      err.hidden = true;
      inviteCard.hidden = myRole !== "owner";
      await load();
    },
  };
}
