// The guest's own screen: sign in with the emailed code, then everything `me` shows and the
// mutations a guest may call for themselves. Rules stay in the service: this file only asks.
import {
  $, Credential, SignedOut, announce, clearErrors, date, el, fillSelect, graphql,
  idempotencyKey, label, number, onSubmit, settle, show, showErrors, t,
} from "./pages.js";

const token = new Credential("staytier.guestToken");
const PAGE_SIZE = 10;

const USER_ERRORS = "userErrors { code field message }";
const REQUEST_CODE = `mutation RequestCode($input: RequestGuestSignInInput!) {
  requestGuestSignIn(input: $input) { sent ${USER_ERRORS} } }`;
const COMPLETE_SIGN_IN = `mutation SignIn($input: CompleteGuestSignInInput!) {
  completeGuestSignIn(input: $input) { token expiresAt ${USER_ERRORS} } }`;
const ME = `query Me {
  me {
    memberNumber firstName lastName email
    tier { code name validThrough lifetime }
    tierProgress { year nextTier { code name } paths { path current required remaining } }
    points { balance expiresOn }
    benefits { code name detail }
    certificates(first: 20) { edges { node { number description expiresOn status maxCategory } } }
    stays(first: 10) { edges { node {
      propertyName confirmationNumber status arrivalDate departureDate nights } } }
    preferences { category value source sensitive }
    consents { purpose granted }
  }
  preferenceCatalog { code name values freeTextMaxLength maxChoices sensitive consentPurpose }
  properties(first: 100) { edges { node { code name } } }
}`;
const LEDGER = `query Ledger($first: Int!, $after: String) {
  me { ledger(first: $first, after: $after) {
    edges { node { kind points balanceAfter effectiveOn description } }
    pageInfo { hasNextPage endCursor } } } }`;
const DONATE = `mutation Donate($input: DonatePointsInput!) {
  donatePoints(input: $input) { donation { points charity } ${USER_ERRORS} } }`;
const TRANSFER = `mutation Transfer($input: TransferPointsToMilesInput!) {
  transferPointsToMiles(input: $input) { milesTransfer { points miles airline } ${USER_ERRORS} } }`;
const REDEEM = `mutation Redeem($input: RedeemCertificateInput!) {
  redeemCertificate(input: $input) { awardStay { confirmationNumber propertyName } ${USER_ERRORS} } }`;
const SET_PREFERENCE = `mutation SetPreference($input: SetPreferenceInput!) {
  setPreference(input: $input) { preferences { category value } ${USER_ERRORS} } }`;
const REMOVE_PREFERENCE = `mutation RemovePreference($input: RemovePreferenceInput!) {
  removePreference(input: $input) { removed { value } ${USER_ERRORS} } }`;
const SET_CONSENT = `mutation SetConsent($input: SetConsentInput!) {
  setConsent(input: $input) { consent { purpose granted } ${USER_ERRORS} } }`;
const APPROVE = `mutation Approve($input: RequestGuestApprovalInput!) {
  requestGuestApproval(input: $input) {
    code approval { operation points propertyCode recipient expiresAt } ${USER_ERRORS} } }`;
const EXPORT = `query Export($memberNumber: String!) { exportGuestData(memberNumber: $memberNumber) }`;

let me = null;
let catalog = [];
const ledgerCursors = [null]; // the `after` of each page seen; the last is the page shown

const ask = (query, variables) => graphql(token, query, variables);

// --- signing in and out -------------------------------------------------------------------

function signedOut(message) {
  token.value = null;
  me = null;
  show($("#account"), false);
  show($("#sign-out"), false);
  show($("#sign-in"), true);
  show($("#enter-code"), false);
  show($("#request-code"), true);
  const notice = $("#sign-in-notice");
  notice.textContent = message || "";
  show(notice, Boolean(message));
  if (message) $("#sign-in-heading").focus();
}

onSubmit($("#request-code"), async (data) => {
  const email = String(data.get("email")).trim();
  const result = (await ask(REQUEST_CODE, { input: { email } })).requestGuestSignIn;
  if (result.userErrors.length) return showErrors($("#request-code"), result.userErrors);
  $("#code-sent").textContent = t("app.signIn.codeSent", { email });
  $("#enter-code").dataset.email = email;
  show($("#request-code"), false);
  show($("#enter-code"), true);
  $("#code").focus();
});

onSubmit($("#enter-code"), async (data) => {
  const form = $("#enter-code");
  const input = { email: form.dataset.email, code: String(data.get("code")).trim() };
  const result = (await ask(COMPLETE_SIGN_IN, { input })).completeGuestSignIn;
  if (result.userErrors.length) return showErrors(form, result.userErrors);
  token.value = result.token;
  form.reset();
  await load();
});

$("#other-email").addEventListener("click", () => {
  clearErrors($("#enter-code"));
  show($("#enter-code"), false);
  show($("#request-code"), true);
  $("#email").focus();
});

$("#sign-out").addEventListener("click", () => signedOut(t("app.signOut.done")));

// --- reading the account ------------------------------------------------------------------

async function load() {
  try {
    const data = await ask(ME);
    if (!data.me) return signedOut(t("app.signIn.notGuest"));
    me = data.me;
    catalog = data.preferenceCatalog;
    renderAccount(data);
    show($("#sign-in"), false);
    show($("#account"), true);
    show($("#sign-out"), true);
    ledgerCursors.length = 1;
    await loadLedger();
  } catch (failure) {
    if (failure instanceof SignedOut) return signedOut(failure.message);
    throw failure;
  }
}

function renderAccount(data) {
  const { tier, tierProgress, points } = me;
  $("#greeting").textContent = t("app.greeting", { name: me.firstName });
  $("#member-number").textContent = me.memberNumber;
  $("#tier-name").textContent = tier.name;
  $("#tier-card").dataset.tier = tier.code;
  $("#tier-valid").textContent = tier.lifetime
    ? t("app.tier.lifetime")
    : tier.validThrough ? t("app.tier.validThrough", { date: date(tier.validThrough) }) : t("app.tier.base");
  $("#points-balance").textContent = number(points.balance);
  $("#points-expiry").textContent = points.expiresOn
    ? t("app.points.expiresOn", { date: date(points.expiresOn) })
    : t("app.points.noExpiry");
  renderProgress(tierProgress);
  renderBenefits(me.benefits);
  renderCertificates(me.certificates.edges.map((edge) => edge.node), data.properties.edges);
  renderStays(me.stays.edges.map((edge) => edge.node));
  renderApproval(me.certificates.edges.map((edge) => edge.node), data.properties.edges);
  renderPreferences();
  renderConsents(me.consents);
}

function renderProgress(progress) {
  const heading = $("#progress-heading");
  const list = $("#progress-paths");
  if (!progress.nextTier) {
    heading.textContent = t("app.progress.top");
    list.replaceChildren();
    $("#progress-hint").hidden = true;
    return;
  }
  heading.textContent = t("app.progress.heading", { tier: progress.nextTier.name, year: progress.year });
  $("#progress-hint").hidden = progress.paths.length < 2;
  list.replaceChildren(
    ...progress.paths.map((path) => {
      const id = `progress-${path.path.toLowerCase()}`;
      const name = t(`app.progress.path.${path.path}`);
      return el("li", { class: "path", dataset: { path: path.path } },
        el("div", { class: "path-label" },
          el("label", { for: id }, name),
          el("span", { class: "path-figures" },
            t("app.progress.of", { current: number(path.current), required: number(path.required) }))),
        el("progress", { id, max: path.required, value: Math.min(path.current, path.required),
          "aria-describedby": `${id}-left` }),
        el("p", { id: `${id}-left`, class: "path-left", dataset: { remaining: path.remaining } },
          path.remaining > 0
            ? t(`app.progress.left.${path.path}`, { count: number(path.remaining) })
            : t("app.progress.reached")));
    }),
  );
}

function renderBenefits(benefits) {
  $("#benefits-list").replaceChildren(
    ...(benefits.length
      ? benefits.map((benefit) => el("li", {}, el("strong", {}, benefit.name), " ", el("span", {}, benefit.detail)))
      : [el("li", {}, t("app.benefits.none"))]),
  );
}

function renderCertificates(certificates, properties) {
  const list = $("#certificates-list");
  list.replaceChildren(
    ...(certificates.length
      ? certificates.map((c) => el("li", {},
        el("strong", {}, c.description), " ",
        el("span", { class: `badge status-${c.status.toLowerCase()}` }, label("app.certificates.status", c.status)), " ",
        el("span", {}, t("app.certificates.expires", { date: date(c.expiresOn), number: c.number }))))
      : [el("li", {}, t("app.certificates.none"))]),
  );
  const usable = certificates.filter((c) => c.status === "ISSUED");
  show($("#redeem-certificate"), usable.length > 0);
  fillSelect($("#redeem-certificate-id"), usable.map((c) => [String(c.number), `${c.number} · ${c.description}`]));
  fillSelect($("#redeem-property"), properties.map(({ node }) => [node.code, node.name]), t("common.choose"));
}

function renderStays(stays) {
  $("#stays-list").replaceChildren(
    ...(stays.length
      ? stays.map((stay) => el("li", {},
        el("strong", {}, stay.propertyName), " ",
        el("span", {}, t("app.stays.dates", { arrival: date(stay.arrivalDate), departure: date(stay.departureDate), nights: stay.nights })), " ",
        el("span", { class: "badge" }, label("app.stays.status", stay.status))))
      : [el("li", {}, t("app.stays.none"))]),
  );
}

async function loadLedger() {
  const after = ledgerCursors[ledgerCursors.length - 1];
  const ledger = (await ask(LEDGER, { first: PAGE_SIZE, after })).me.ledger;
  const rows = ledger.edges.map(({ node }) => el("tr", {},
    el("td", { class: "ledger-date" }, date(node.effectiveOn)),
    el("td", {}, node.description || label("app.ledger.kind", node.kind)),
    el("td", { class: node.points < 0 ? "number debit" : "number credit" },
      (node.points > 0 ? "+" : "") + number(node.points)),
    el("td", { class: "number ledger-balance" }, number(node.balanceAfter))));
  $("#ledger-rows").replaceChildren(
    ...(rows.length ? rows : [el("tr", {}, el("td", { colspan: 4 }, t("app.ledger.none")))]),
  );
  $("#ledger-older").disabled = !ledger.pageInfo.hasNextPage;
  $("#ledger-older").dataset.after = ledger.pageInfo.endCursor || "";
  $("#ledger-newer").disabled = ledgerCursors.length === 1;
  $("#ledger-page").textContent = t("app.ledger.page", { page: ledgerCursors.length });
}

$("#ledger-older").addEventListener("click", async () => {
  ledgerCursors.push($("#ledger-older").dataset.after);
  await loadLedger().catch(handleFailure);
});
$("#ledger-newer").addEventListener("click", async () => {
  if (ledgerCursors.length > 1) ledgerCursors.pop();
  await loadLedger().catch(handleFailure);
});

function handleFailure(failure) {
  if (failure instanceof SignedOut) signedOut(failure.message);
  else announce(failure.message);
}

// --- actions ------------------------------------------------------------------------------

/** Sends a spending or profile mutation; on success reloads the account and says so. */
async function act(form, mutation, field, input, success) {
  const payload = (await ask(mutation, { input }))[field];
  settle(form);
  if (payload.userErrors.length) return showErrors(form, payload.userErrors);
  form.reset();
  await load();
  announce(success(payload));
  const done = form.querySelector(".form-done");
  if (done) {
    done.textContent = success(payload);
    done.hidden = false;
  }
}

const points = (data) => Number.parseInt(String(data.get("points")), 10) || 0;

onSubmit($("#donate"), async (data) => {
  const form = $("#donate");
  const input = { memberNumber: me.memberNumber, charity: data.get("charity"), points: points(data) };
  input.idempotencyKey = idempotencyKey(form, input);
  await act(form, DONATE, "donatePoints", input, ({ donation }) =>
    t("app.donate.done", { points: number(donation.points), charity: $("#donate-charity").selectedOptions[0]?.text || donation.charity }));
}, signedOut);

onSubmit($("#transfer"), async (data) => {
  const form = $("#transfer");
  const input = {
    memberNumber: me.memberNumber, airline: data.get("airline"),
    frequentFlyerNumber: String(data.get("frequentFlyerNumber")).trim(), points: points(data),
  };
  input.idempotencyKey = idempotencyKey(form, input);
  await act(form, TRANSFER, "transferPointsToMiles", input, ({ milesTransfer }) =>
    t("app.transfer.done", { points: number(milesTransfer.points), miles: number(milesTransfer.miles) }));
}, signedOut);

onSubmit($("#redeem-certificate"), async (data) => {
  const form = $("#redeem-certificate");
  const input = {
    memberNumber: me.memberNumber, certificateId: Number(data.get("certificateId")),
    propertyCode: data.get("propertyCode"), arrivalDate: data.get("arrivalDate"),
  };
  input.idempotencyKey = idempotencyKey(form, input);
  await act(form, REDEEM, "redeemCertificate", input, ({ awardStay }) =>
    t("app.redeem.done", { property: awardStay.propertyName, confirmation: awardStay.confirmationNumber }));
}, signedOut);

// --- approving a redemption at the desk (present when the service has guest approvals) ----

const approveForm = $("#approve-form");

function renderApproval(certificates, properties) {
  if (!approveForm) return;
  fillSelect($("#approve-property"), properties.map(({ node }) => [node.code, node.name]), t("common.choose"));
  const usable = certificates.filter((c) => c.status === "ISSUED");
  fillSelect($("#approve-certificate"), usable.map((c) => [String(c.number), `${c.number} · ${c.description}`]));
  chooseApproval();
}

function chooseApproval() {
  const certificate = $("#approve-operation").value === "CERTIFICATE";
  show($("#approve-points-field"), !certificate);
  show($("#approve-certificate-field"), certificate);
}

if (approveForm) {
  $("#approve-operation").addEventListener("change", chooseApproval);
  onSubmit(approveForm, async (data) => {
    const operation = data.get("operation");
    const input = { memberNumber: me.memberNumber, operation, propertyCode: data.get("propertyCode") || null };
    if (operation === "CERTIFICATE") input.certificateId = Number(data.get("certificateId")) || null;
    else input.points = points(data);
    const payload = (await ask(APPROVE, { input })).requestGuestApproval;
    if (payload.userErrors.length) return showErrors(approveForm, payload.userErrors);
    const { approval } = payload;
    const what = operation === "CERTIFICATE"
      ? `${t("app.approve.CERTIFICATE")} ${approval.recipient}, ${approval.propertyCode}`
      : `${t("app.approve.AWARD_STAY")}, ${approval.propertyCode}, ${number(approval.points)} ${t("app.points.unit")}`;
    $("#approve-code").textContent = payload.code;
    $("#approve-terms").textContent = t("app.approve.terms", {
      what, time: new Intl.DateTimeFormat(document.documentElement.lang, { timeStyle: "short" }).format(new Date(approval.expiresAt)),
    });
    show($("#approve-result"), true);
    announce(`${t("app.approve.codeLabel")}: ${payload.code.split("").join(" ")}`);
  }, signedOut);
}

// --- preferences and consent --------------------------------------------------------------

function renderPreferences() {
  const list = $("#preferences-list");
  list.replaceChildren(
    ...(me.preferences.length
      ? me.preferences.map((preference) => {
        const category = catalog.find((c) => c.code === preference.category);
        const value = category && category.values.length ? label("preference.value", preference.value) : preference.value;
        return el("li", { class: "row" },
          el("span", {}, el("strong", {}, category ? category.name : preference.category), `: ${value}`),
          preference.source === "GUEST"
            ? el("button", {
              type: "button", class: "link",
              "aria-label": t("app.preferences.removeLabel", { category: category ? category.name : preference.category, value }),
              onclick: () => removePreference(preference),
            }, t("app.preferences.remove"))
            : el("span", { class: "muted" }, t(`app.preferences.source.${preference.source}`)));
      })
      : [el("li", {}, t("app.preferences.none"))]),
  );
  fillSelect($("#preference-category"), catalog.map((c) => [c.code, c.name]), t("common.choose"));
  choosePreferenceCategory();
}

function choosePreferenceCategory() {
  const category = catalog.find((c) => c.code === $("#preference-category").value);
  const select = $("#preference-values");
  const text = $("#preference-text");
  const enumerated = Boolean(category && category.values.length);
  show($("#preference-values-field"), enumerated);
  show($("#preference-text-field"), Boolean(category) && !enumerated);
  select.disabled = !enumerated;
  text.disabled = enumerated || !category;
  if (enumerated) {
    select.multiple = category.maxChoices > 1;
    select.size = category.maxChoices > 1 ? Math.min(category.values.length, 5) : 1;
    fillSelect(select, category.values.map((v) => [v, label("preference.value", v)]));
    const held = me.preferences.filter((p) => p.category === category.code).map((p) => p.value);
    for (const option of select.options) option.selected = held.includes(option.value);
  }
  if (category && !enumerated) text.maxLength = category.freeTextMaxLength || 200;
  $("#preference-sensitive").hidden = !(category && category.sensitive);
}

$("#preference-category").addEventListener("change", choosePreferenceCategory);

onSubmit($("#set-preference"), async () => {
  const form = $("#set-preference");
  const category = $("#preference-category").value;
  const selected = [...$("#preference-values").selectedOptions].map((option) => option.value);
  const text = $("#preference-text").value.trim();
  const values = $("#preference-values").disabled ? (text ? [text] : []) : selected;
  const input = { memberNumber: me.memberNumber, category, values };
  await act(form, SET_PREFERENCE, "setPreference", input, () => t("app.preferences.saved"));
}, signedOut);

async function removePreference(preference) {
  try {
    const input = { memberNumber: me.memberNumber, category: preference.category, value: preference.value };
    const payload = (await ask(REMOVE_PREFERENCE, { input })).removePreference;
    if (payload.userErrors.length) return announce(payload.userErrors.map((e) => e.message).join(" "));
    await load();
    announce(t("app.preferences.removed"));
  } catch (failure) {
    handleFailure(failure);
  }
}

function renderConsents(consents) {
  for (const box of document.querySelectorAll("#consents input[type=checkbox]")) {
    const consent = consents.find((c) => c.purpose === box.name);
    box.checked = Boolean(consent && consent.granted);
    box.dataset.held = box.checked ? "yes" : "no";
  }
}

onSubmit($("#consents"), async () => {
  const form = $("#consents");
  const changed = [...form.querySelectorAll("input[type=checkbox]")]
    .filter((box) => (box.checked ? "yes" : "no") !== box.dataset.held);
  for (const box of changed) {
    const input = { memberNumber: me.memberNumber, purpose: box.name, granted: box.checked };
    const payload = (await ask(SET_CONSENT, { input })).setConsent;
    if (payload.userErrors.length) return showErrors(form, payload.userErrors);
  }
  await load();
  announce(t("app.consents.saved"));
  const done = form.querySelector(".form-done");
  done.textContent = t("app.consents.saved");
  done.hidden = false;
}, signedOut);

// --- the data export ----------------------------------------------------------------------

onSubmit($("#export"), async () => {
  const data = (await ask(EXPORT, { memberNumber: me.memberNumber })).exportGuestData;
  const blob = new Blob([JSON.stringify(data, null, 2)], { type: "application/json" });
  const link = el("a", { href: URL.createObjectURL(blob), download: `staytier-${me.memberNumber}.json` });
  document.body.append(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  announce(t("app.export.done"));
}, signedOut);

// --- start --------------------------------------------------------------------------------

if (token.value) load().catch(handleFailure);
else signedOut();
