// The front desk's arrivals board: tonight's arrivals at one property (its local date), a
// guest search and a guest card where the desk records notes and preferences. The key stays
// in this tab's sessionStorage; the board polls the API, so it refreshes without a reload.
import {
  $, Credential, RequestFailed, SignedOut, announce, clearErrors, date, dateTime, el, fillSelect,
  graphql, idempotencyKey, label, localDate, number, onSubmit, settle, show, showErrors, showFormError, t,
} from "./pages.js";

const key = new Credential("staytier.frontDeskKey");
const property = new Credential("staytier.frontDeskProperty");
const author = new Credential("staytier.frontDeskAuthor");
const refreshSeconds = Number(document.body.dataset.refreshSeconds || 30);

const USER_ERRORS = "userErrors { code field message }";
const PROPERTY = `query Property($code: String!) {
  property(code: $code) { code name timeZone } clock { now }
  preferenceCatalog { code name values freeTextMaxLength maxChoices } }`;
const ARRIVALS = `query Arrivals($property: String!, $date: Date!, $after: String) {
  clock { now }
  arrivals(propertyCode: $property, date: $date, first: 50, after: $after) {
    edges { node {
      memberNumber firstName lastName language
      tier { code name }
      privileges { code name detail }
      preferences { category value sensitive }
      specialDates { kind fallsOn greet }
      staffNotes { text author createdAt }
      complaints { category open }
      firstStayAtProperty earlierStaysAtProperty
      stay { confirmationNumber departureDate nights }
    } }
    pageInfo { hasNextPage endCursor } } }`;
const SEARCH = `query Search($query: String!) {
  searchGuests(query: $query, first: 20) { edges { node {
    memberNumber firstName lastName tier { name } } } } }`;
const CARD = `query Card($memberNumber: String!) {
  guest(memberNumber: $memberNumber) {
    memberNumber firstName lastName language
    tier { code name validThrough lifetime }
    points { balance }
    benefits { code name detail }
    preferences { category value source sensitive actor propertyCode }
    specialDates { kind date greet }
    staffNotes(first: 10) { edges { node { text author propertyCode createdAt } } }
    stays(first: 5) { edges { node { propertyName arrivalDate departureDate nights status } } }
  } }`;
const ADD_NOTE = `mutation AddNote($input: AddStaffNoteInput!) {
  addStaffNote(input: $input) { staffNote { text } ${USER_ERRORS} } }`;
const QUOTE = `query Quote($property: String!, $arrival: Date!, $departure: Date!) {
  awardQuote(propertyCode: $property, arrivalDate: $arrival, departureDate: $departure) { points freeNights } }`;
const REDEEM_STAY = `mutation RedeemStay($input: RedeemAwardStayInput!) {
  redeemAwardStay(input: $input) { awardStay { confirmationNumber points } ${USER_ERRORS} } }`;
const REDEEM_CERTIFICATE = `mutation RedeemCertificate($input: RedeemCertificateInput!) {
  redeemCertificate(input: $input) { awardStay { confirmationNumber points } ${USER_ERRORS} } }`;
const SET_PREFERENCE = `mutation SetPreference($input: SetPreferenceInput!) {
  setPreference(input: $input) { preferences { value } ${USER_ERRORS} } }`;

let desk = null; // { code, name, timeZone }
let catalog = [];
let cardMember = null;
let timer = null;

const ask = (query, variables) => graphql(key, query, variables);

// --- connecting ---------------------------------------------------------------------------

function disconnected(message) {
  key.value = null;
  desk = null;
  window.clearInterval(timer);
  show($("#board"), false);
  show($("#tools"), false);
  show($("#disconnect"), false);
  show($("#connect"), true);
  $("#connect-property").value = property.value || $("#connect-property").value;
  if (message) {
    showFormError($("#connect"), message);
  }
}

onSubmit($("#connect"), async (data) => {
  key.value = String(data.get("key")).trim();
  property.value = String(data.get("propertyCode")).trim().toUpperCase();
  try {
    await connect();
  } catch (failure) {
    key.value = null;
    if (failure instanceof SignedOut) {
      return showErrors($("#connect"), [{ field: "key", message: t("desk.connect.badKey") }]);
    }
    throw failure;
  }
});

async function connect() {
  const data = await ask(PROPERTY, { code: property.value });
  if (!data.property) {
    key.value = null;
    return showErrors($("#connect"), [{ field: "propertyCode", message: t("desk.connect.unknownProperty", { code: property.value }) }]);
  }
  desk = data.property;
  catalog = data.preferenceCatalog;
  try {
    await refresh(data.clock.now);
  } catch (failure) {
    desk = null;
    if (failure instanceof RequestFailed) {
      key.value = null;
      return showErrors($("#connect"), [{ field: "propertyCode", message: t("desk.connect.notYours", { code: property.value }) }]);
    }
    throw failure;
  }
  $("#connect").reset();
  show($("#connect"), false);
  show($("#board"), true);
  show($("#tools"), true);
  show($("#disconnect"), true);
  $("#property-name").textContent = desk.name;
  fillSelect($("#card-preference-category"), catalog.map((c) => [c.code, c.name]), t("common.choose"));
  $("#card-note-author").value = author.value || "";
  $("#card-preference-actor").value = author.value || "";
  window.clearInterval(timer);
  timer = window.setInterval(() => refresh().catch(failed), refreshSeconds * 1000);
  $("#board-heading").focus();
}

$("#disconnect").addEventListener("click", () => disconnected());

function failed(failure) {
  if (failure instanceof SignedOut) disconnected(failure.message);
  else $("#board-status").textContent = failure.message;
}

document.addEventListener("visibilitychange", () => {
  if (!document.hidden && desk) refresh().catch(failed);
});

// --- the board ----------------------------------------------------------------------------

async function refresh(now) {
  const clock = now || (await ask("{ clock { now } }")).clock.now;
  const tonight = localDate(clock, desk.timeZone);
  const arrivals = [];
  let after = null;
  do {
    const page = (await ask(ARRIVALS, { property: desk.code, date: tonight, after })).arrivals;
    arrivals.push(...page.edges.map((edge) => edge.node));
    after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
  } while (after);
  renderBoard(arrivals, tonight, clock);
}

function renderBoard(arrivals, tonight, clock) {
  $("#board-date").textContent = t("desk.board.date", { date: date(tonight) });
  $("#board-count").textContent = t("desk.board.count", { count: arrivals.length });
  $("#board-status").textContent = t("desk.board.updated", { time: dateTime(clock, desk.timeZone) });
  $("#arrivals").replaceChildren(
    ...(arrivals.length ? arrivals.map(arrivalCard) : [el("li", { class: "empty" }, t("desk.board.none"))]),
  );
}

function arrivalCard(arrival) {
  const name = `${arrival.firstName} ${arrival.lastName}`;
  const id = `arrival-${arrival.memberNumber}`;
  return el("li", { class: "arrival", dataset: { member: arrival.memberNumber, tier: arrival.tier.code } },
    el("article", { "aria-labelledby": id },
      el("header", { class: "arrival-head" },
        el("h3", { id }, name),
        el("span", { class: "tier-badge", dataset: { tier: arrival.tier.code } }, arrival.tier.name)),
      el("p", { class: "muted" },
        t("desk.arrival.stay", { number: arrival.memberNumber, nights: arrival.stay.nights, departure: date(arrival.stay.departureDate), confirmation: arrival.stay.confirmationNumber }),
        " · ",
        arrival.firstStayAtProperty ? t("desk.arrival.firstStay") : t("desk.arrival.returning", { count: arrival.earlierStaysAtProperty })),
      facts(t("desk.arrival.privileges"), arrival.privileges.map((p) => `${p.name}: ${p.detail}`), "privileges"),
      facts(t("desk.arrival.preferences"), arrival.preferences.map(preferenceText), "preferences"),
      facts(t("desk.arrival.specialDates"), arrival.specialDates.map((d) =>
        t(`desk.specialDate.${d.kind}`, { date: date(d.fallsOn) }) + (d.greet ? "" : ` (${t("desk.specialDate.noGreeting")})`)), "special-dates"),
      facts(t("desk.arrival.notes"), arrival.staffNotes.map((n) => `${n.text} (${n.author})`), "notes"),
      facts(t("desk.arrival.complaints"), arrival.complaints.map((c) =>
        t(c.open ? "desk.complaint.open" : "desk.complaint.recent", { category: label("complaint.category", c.category) })), "complaints"),
      el("button", { type: "button", class: "secondary", onclick: () => openCard(arrival.memberNumber),
        "aria-label": t("desk.arrival.openLabel", { name }) }, t("desk.arrival.open"))));
}

function preferenceText(preference) {
  const category = catalog.find((c) => c.code === preference.category);
  const name = category ? category.name : label("preference.category", preference.category);
  const value = category && category.values.length ? label("preference.value", preference.value) : preference.value;
  return `${name}: ${value}${preference.sensitive ? ` (${t("desk.sensitive")})` : ""}`;
}

function facts(title, items, kind) {
  if (!items.length) return null;
  return el("div", { class: `facts ${kind}` },
    el("h4", {}, title),
    el("ul", {}, items.map((item) => el("li", {}, item))));
}

// --- search and the guest card ------------------------------------------------------------

onSubmit($("#search"), async (data) => {
  const query = String(data.get("query")).trim();
  if (!query) return showErrors($("#search"), [{ field: "query", message: t("desk.search.empty") }]);
  const found = (await ask(SEARCH, { query })).searchGuests.edges.map((edge) => edge.node);
  $("#search-results").replaceChildren(
    ...(found.length
      ? found.map((guest) => el("li", {},
        el("button", { type: "button", class: "link", onclick: () => openCard(guest.memberNumber) },
          `${guest.firstName} ${guest.lastName}`),
        ` · ${guest.memberNumber} · ${guest.tier.name}`))
      : [el("li", {}, t("desk.search.none", { query }))]),
  );
  announce(t("desk.search.found", { count: found.length }));
}, disconnected);

async function openCard(memberNumber) {
  try {
    const guest = (await ask(CARD, { memberNumber })).guest;
    if (!guest) return announce(t("desk.card.notFound"));
    cardMember = guest.memberNumber;
    renderCard(guest);
    show($("#card"), true);
    $("#card-heading").focus();
  } catch (failure) {
    failed(failure);
  }
}

function renderCard(guest) {
  $("#card-heading").textContent = `${guest.firstName} ${guest.lastName}`;
  const status = guest.tier.lifetime
    ? t("desk.card.lifetime", { tier: guest.tier.name })
    : guest.tier.validThrough ? t("desk.card.validThrough", { tier: guest.tier.name, date: date(guest.tier.validThrough) }) : guest.tier.name;
  $("#card-summary").replaceChildren(
    el("li", {}, t("desk.card.member", { number: guest.memberNumber })),
    el("li", {}, status),
    el("li", {}, t("desk.card.points", { points: number(guest.points.balance) })),
  );
  const notes = guest.staffNotes.edges.map(({ node }) => `${node.text} (${node.author}, ${node.propertyCode})`);
  const stays = guest.stays.edges.map(({ node }) =>
    t("desk.card.stay", { property: node.propertyName, arrival: date(node.arrivalDate), nights: node.nights, status: label("app.stays.status", node.status) }));
  $("#card-details").replaceChildren(
    facts(t("desk.arrival.privileges"), guest.benefits.map((b) => `${b.name}: ${b.detail}`), "privileges") || "",
    facts(t("desk.arrival.preferences"), guest.preferences.map(preferenceText), "preferences") || el("p", {}, t("desk.card.noPreferences")),
    facts(t("desk.arrival.specialDates"), guest.specialDates.map((d) => t(`desk.specialDate.${d.kind}`, { date: date(d.date) })), "special-dates") || "",
    facts(t("desk.arrival.notes"), notes, "notes") || el("p", {}, t("desk.card.noNotes")),
    facts(t("desk.card.stays"), stays, "stays") || "",
  );
  for (const input of [$("#card-note-author"), $("#card-preference-actor")]) {
    if (!input.value) input.value = author.value || "";
  }
  clearErrors($("#card-note"));
  clearErrors($("#card-preference"));
  clearErrors(redeemForm);
  chooseCategory();
}

$("#card-close").addEventListener("click", () => {
  show($("#card"), false);
  cardMember = null;
  $("#board-heading").focus();
});

function chooseCategory() {
  const category = catalog.find((c) => c.code === $("#card-preference-category").value);
  const enumerated = Boolean(category && category.values.length);
  const select = $("#card-preference-values");
  show($("#card-preference-values-field"), enumerated);
  show($("#card-preference-text-field"), Boolean(category) && !enumerated);
  select.disabled = !enumerated;
  $("#card-preference-text").disabled = enumerated || !category;
  if (enumerated) fillSelect(select, category.values.map((v) => [v, label("preference.value", v)]));
}
$("#card-preference-category").addEventListener("change", chooseCategory);

// --- redeeming for the guest (with the guest's approval code where the service wants one) --

const redeemForm = $("#card-redeem");
const approvalField = $("#card-redeem-approval");

function chooseRedemption() {
  const certificate = $("#card-redeem-kind").value === "CERTIFICATE";
  show($("#card-redeem-departure-field"), !certificate);
  show($("#card-redeem-certificate-field"), certificate);
  $("#card-redeem-quote").textContent = "";
  if (!certificate) quote().catch(failed);
}

async function quote() {
  const arrival = $("#card-redeem-arrival").value;
  const departure = $("#card-redeem-departure").value;
  if (!arrival || !departure || departure <= arrival || !desk) return;
  const found = (await ask(QUOTE, { property: desk.code, arrival, departure })).awardQuote;
  $("#card-redeem-quote").textContent = found
    ? t("desk.redeem.quote", { points: number(found.points), free: found.freeNights })
    : t("desk.redeem.noQuote");
}

$("#card-redeem-kind").addEventListener("change", chooseRedemption);
$("#card-redeem-arrival").addEventListener("change", () => quote().catch(failed));
$("#card-redeem-departure").addEventListener("change", () => quote().catch(failed));

onSubmit(redeemForm, async (data) => {
  const certificate = data.get("kind") === "CERTIFICATE";
  const input = {
    memberNumber: cardMember, propertyCode: desk.code, arrivalDate: data.get("arrivalDate") || null,
  };
  if (certificate) input.certificateId = Number(data.get("certificateId")) || 0;
  else input.departureDate = data.get("departureDate") || null;
  if (approvalField) input.guestApproval = String(data.get("guestApproval")).trim() || null;
  const missing = Object.entries(input).filter(([name, value]) => value === null && name !== "guestApproval");
  if (missing.length) {
    return showErrors(redeemForm, missing.map(([field]) => ({ field, message: t("desk.redeem.missing") })));
  }
  input.idempotencyKey = idempotencyKey(redeemForm, input);
  const [mutation, field] = certificate ? [REDEEM_CERTIFICATE, "redeemCertificate"] : [REDEEM_STAY, "redeemAwardStay"];
  const payload = (await ask(mutation, { input }))[field];
  settle(redeemForm);
  if (payload.userErrors.length) return showErrors(redeemForm, payload.userErrors);
  redeemForm.reset();
  chooseRedemption();
  const { awardStay } = payload;
  await afterChange(t("desk.redeem.done", { confirmation: awardStay.confirmationNumber, points: number(awardStay.points) }), redeemForm);
}, disconnected);

onSubmit($("#card-note"), async (data) => {
  const form = $("#card-note");
  const writer = String(data.get("author")).trim();
  author.value = writer;
  const input = { memberNumber: cardMember, propertyCode: desk.code, author: writer, text: String(data.get("text")).trim() };
  const payload = (await ask(ADD_NOTE, { input })).addStaffNote;
  if (payload.userErrors.length) return showErrors(form, payload.userErrors);
  $("#card-note-text").value = "";
  await afterChange(t("desk.card.noteSaved"), form);
}, disconnected);

onSubmit($("#card-preference"), async (data) => {
  const form = $("#card-preference");
  const writer = String(data.get("actor")).trim();
  author.value = writer;
  const select = $("#card-preference-values");
  const text = $("#card-preference-text").value.trim();
  const values = select.disabled ? (text ? [text] : []) : [select.value].filter(Boolean);
  const input = {
    memberNumber: cardMember, category: data.get("category"), values,
    source: "STAFF", propertyCode: desk.code, actor: writer || null,
  };
  const payload = (await ask(SET_PREFERENCE, { input })).setPreference;
  if (payload.userErrors.length) return showErrors(form, payload.userErrors);
  await afterChange(t("desk.card.preferenceSaved"), form);
}, disconnected);

async function afterChange(message, form) {
  const member = cardMember;
  await openCard(member);
  await refresh();
  const done = form.querySelector(".form-done");
  done.textContent = message;
  done.hidden = false;
  announce(message);
}

// --- start --------------------------------------------------------------------------------

if (key.value && property.value) {
  connect().catch((failure) => disconnected(failure.message));
} else {
  disconnected();
}
