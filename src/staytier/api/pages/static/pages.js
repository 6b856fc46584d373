// Shared by /app and /desk: texts, a GraphQL client over fetch, forms and their userErrors,
// and an element builder (every text goes in as a text node: nothing is parsed as HTML).

const strings = JSON.parse(document.getElementById("page-strings").textContent);
export const language = document.documentElement.lang || "en";

/** The text `key` of strings/<language>.toml, with {name} placeholders filled in. */
export function t(key, values = {}) {
  const text = strings[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
}

const numbers = new Intl.NumberFormat(language);
export const number = (value) => numbers.format(value);

/** A calendar date (`2026-12-31`) as the reader writes dates; no time zone shift. */
export function date(iso) {
  if (!iso) return "";
  const [year, month, day] = iso.split("-").map(Number);
  return new Intl.DateTimeFormat(language, { dateStyle: "medium", timeZone: "UTC" }).format(
    new Date(Date.UTC(year, month - 1, day)),
  );
}

export function dateTime(iso, timeZone) {
  return new Intl.DateTimeFormat(language, { dateStyle: "medium", timeStyle: "short", timeZone }).format(
    new Date(iso),
  );
}

/** The calendar date (`YYYY-MM-DD`) of the instant `iso` in `timeZone`. */
export function localDate(iso, timeZone) {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone, year: "numeric", month: "2-digit", day: "2-digit",
  }).formatToParts(new Date(iso));
  const part = (type) => parts.find((p) => p.type === type).value;
  return `${part("year")}-${part("month")}-${part("day")}`;
}

/** A words-only code (`FAVOURITE_DRINK`) as a label (`Favourite drink`), unless translated. */
export function label(prefix, code) {
  const key = `${prefix}.${code}`;
  if (key in strings) return strings[key];
  const words = String(code).toLowerCase().replace(/_/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Builds an element: el("p", {class: "x"}, "text", child). */
export function el(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    if (name === "dataset") Object.assign(element.dataset, value);
    else if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

export const $ = (selector, root = document) => root.querySelector(selector);

/** Shows or hides an element (the `hidden` attribute, which assistive technology honours). */
export function show(element, visible = true) {
  element.hidden = !visible;
}

export class SignedOut extends Error {}

export class RequestFailed extends Error {}

/**
 * A credential kept in sessionStorage: readable only by this origin and this tab, gone when
 * the tab closes, never in a URL. A reload keeps the session; another site cannot read it.
 */
export class Credential {
  constructor(name) {
    this.name = name;
  }
  get value() {
    return sessionStorage.getItem(this.name);
  }
  set value(secret) {
    if (secret) sessionStorage.setItem(this.name, secret);
    else sessionStorage.removeItem(this.name);
  }
}

/** POSTs a GraphQL document to /graphql with the credential; returns `data`. */
export async function graphql(credential, query, variables = {}) {
  const headers = { "Content-Type": "application/json", Accept: "application/json" };
  if (credential && credential.value) headers.Authorization = `Bearer ${credential.value}`;
  let response;
  try {
    response = await fetch("/graphql", {
      method: "POST", headers, body: JSON.stringify({ query, variables }), credentials: "omit",
    });
  } catch {
    throw new RequestFailed(t("common.offline"));
  }
  if (response.status === 401) throw new SignedOut(t("common.signedOut"));
  if (response.status === 429) throw new RequestFailed(t("common.tooManyRequests"));
  let body;
  try {
    body = await response.json();
  } catch {
    throw new RequestFailed(t("common.failed"));
  }
  if (body.errors && body.errors.length) {
    const denied = body.errors.some((error) => error.extensions?.code === "FORBIDDEN");
    throw new RequestFailed(denied ? t("common.forbidden") : body.errors[0].message);
  }
  return body.data;
}

/** The first element matching `selector` in `root` that is not inside a hidden part. */
function visible(root, selector) {
  return [...root.querySelectorAll(selector)].find((element) => !element.parentElement.closest("[hidden]")) || null;
}

/** Removes the messages a form showed, so a new attempt starts clean. */
export function clearErrors(form) {
  for (const message of form.querySelectorAll(".field-error, .form-error, .form-done")) {
    message.textContent = "";
    message.hidden = true;
  }
  for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
}

/**
 * Shows each userError next to the field it names: the element `[data-error-for=field]` in
 * the form, whose input is marked invalid. Errors without a field the form shows (or with
 * none) go to the form's own message. The first field at fault gets the focus.
 */
export function showErrors(form, errors) {
  clearErrors(form);
  let first = null;
  for (const error of errors) {
    const field = (error.field || "").split(".").pop();
    let target = field ? visible(form, `[data-error-for="${CSS.escape(field)}"]`) : null;
    const input = field ? visible(form, `[name="${CSS.escape(field)}"]`) : null;
    if (!target) target = form.querySelector(".form-error");
    target.textContent = target.textContent ? `${target.textContent} ${error.message}` : error.message;
    target.hidden = false;
    if (input && target.classList.contains("field-error")) {
      input.setAttribute("aria-invalid", "true");
      first = first || input;
    }
  }
  (first || form.querySelector(".form-error"))?.focus?.();
}

/** A message for the whole form (a failed request rather than a refused input). */
export function showFormError(form, message) {
  showErrors(form, [{ field: null, message }]);
}

/**
 * Idempotency keys for a form's mutation: the same input sent again after a request that got
 * no answer reuses its key (the service then answers once); any other input gets a new one.
 */
export function idempotencyKey(form, input) {
  const fingerprint = JSON.stringify(input);
  if (form.pendingKey && form.pendingInput === fingerprint) return form.pendingKey;
  form.pendingInput = fingerprint;
  form.pendingKey = crypto.randomUUID();
  return form.pendingKey;
}

/** Marks a form's attempt settled (answered), so its next submission gets a new key. */
export function settle(form) {
  form.pendingKey = null;
  form.pendingInput = null;
}

/** Announces a short message in the page's live region. */
export function announce(message) {
  const region = $("#announcer");
  region.textContent = "";
  window.setTimeout(() => {
    region.textContent = message;
  }, 50);
}

/**
 * Runs `work` when `form` is submitted: errors cleared first, the button disabled while
 * it runs, a failed request shown as the form's message.
 */
export function onSubmit(form, work, onSignedOut) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const button = form.querySelector("button[type=submit]");
    if (button) button.disabled = true;
    form.setAttribute("aria-busy", "true");
    try {
      await work(new FormData(form));
    } catch (failure) {
      if (failure instanceof SignedOut && onSignedOut) onSignedOut(failure.message);
      else showFormError(form, failure.message || t("common.failed"));
    } finally {
      if (button) button.disabled = false;
      form.removeAttribute("aria-busy");
    }
  });
}

/** Replaces the options of a <select>: [[value, label], …]. */
export function fillSelect(select, options, placeholder) {
  const kept = select.value;
  select.replaceChildren(
    ...(placeholder ? [el("option", { value: "" }, placeholder)] : []),
    ...options.map(([value, text]) => el("option", { value }, text)),
  );
  if ([...select.options].some((option) => option.value === kept)) select.value = kept;
}
