// Type declarations of the Maven Chat Payments browser SDK, served beside the script:
//   <script src="https://<edge>/widget/v1/widget.js"></script>
//   https://<edge>/widget/v1/maven.d.ts
// Copy this file into your project (e.g. `types/maven.d.ts`) to type `window.Maven`.

declare namespace Maven {
  /** Colors are `#rgb` or `#rrggbb`; `border_radius` is in pixels (0–32). */
  interface Theme {
    primary_color?: string;
    /** `"transparent"` (the default) or a color. */
    background_color?: string;
    text_color?: string;
    error_color?: string;
    border_radius?: number;
    /** A CSS font-family list, e.g. `"Inter, system-ui, sans-serif"` (only fonts the device has). */
    font_family?: string;
  }

  /** Texts of the form. `pay_button` may contain `{amount}` ("Pay {amount}" → "Pay $12.34"). */
  interface Labels {
    title?: string;
    card_number?: string;
    expiry?: string;
    cvc?: string;
    cardholder_name?: string;
    postal_code?: string;
    pay_button?: string;
    success?: string;
    failure?: string;
    try_again?: string;
  }

  type FieldMode = "hidden" | "optional" | "required";

  interface Fields {
    cardholder_name?: FieldMode;
    postal_code?: FieldMode;
  }

  type Brand = "visa" | "mastercard" | "amex" | "discover" | "diners" | "jcb" | "unionpay" | "unknown";

  /** `onSuccess`: the charge endpoint's 200 body plus the session id. */
  interface PaymentResult {
    session_id: string;
    status: "succeeded" | "authorized" | "tokenized";
    transaction_id: string;
    /** Present when the session's mode is `tokenize`. */
    token?: string;
    card_brand: Brand | string;
    card_last4: string;
    amount_cents: number;
    currency: string;
  }

  /**
   * `onFailure`. `error_code` is one of the charge endpoint's codes (`card_declined`,
   * `insufficient_funds`, `expired_card`, `incorrect_cvc`, `processing_error`,
   * `too_many_attempts`, `gateway_unavailable`, `already_completed`), or a widget code:
   * `session_not_found`, `session_failed`, `network_error`, `http_<status>`,
   * `integration_error` (wrong SDK use found after load), `sdk_unavailable` (the module could
   * not load, e.g. blocked by the page's Content-Security-Policy).
   */
  interface PaymentError {
    error_code: string;
    error_message: string;
    /** Declines only: attempts left on this session (0: the session is closed). */
    attempts_left?: number;
  }

  /** `onChange`: fired on typing, paste and autofill, whenever one of these changes. */
  interface ChangeState {
    /** Every field is filled in and passes the checks; submitting would reach the gateway. */
    complete: boolean;
    /** Card number, expiry and CVC are all empty. */
    empty: boolean;
    brand: Brand;
    /** The first error the form shows, if any. */
    error: { field: "number" | "exp" | "cvc" | "name" | "postal"; message: string } | null;
  }

  /** `loaderror`: the form's page, script or wasm failed, or it did not load within `loadTimeout`. */
  interface LoadError {
    /** `load_timeout` (nothing within `loadTimeout`) or `form_unavailable` (its script failed). */
    error_code: "load_timeout" | "form_unavailable";
    error_message: string;
  }

  type FieldName = "number" | "exp" | "cvc" | "name" | "postal";

  /** What each event's handler receives. */
  interface EventMap {
    ready: undefined;
    change: ChangeState;
    /** A field gained the keyboard focus. */
    focus: { field: FieldName };
    /** A field lost it. */
    blur: { field: FieldName };
    /** Escape pressed inside the form (e.g. close a chat overlay). */
    escape: undefined;
    success: PaymentResult;
    failure: PaymentError;
    expired: undefined;
    loaderror: LoadError;
    /** The frame took a new height (CSS pixels). */
    resize: { height: number };
  }
  type EventName = keyof EventMap;

  interface Options {
    /** The `session_id` your server received from `POST /v1/widget-sessions`. Required. */
    sessionId: string;
    /** The edge origin. Default: the origin `widget.js` was loaded from. */
    baseUrl?: string;
    /** The form has rendered (the form itself, or a final state such as "expired"). */
    onReady?: () => void;
    onSuccess?: (result: PaymentResult) => void;
    onFailure?: (error: PaymentError) => void;
    onChange?: (state: ChangeState) => void;
    /** The session expired (on load, or while the form was open). */
    onExpired?: () => void;
    /** The form did not load; call `retry()` to try again. */
    onLoadError?: (error: LoadError) => void;
    /** Milliseconds to wait for the form before `loaderror` (default 15000, at most 600000). */
    loadTimeout?: number;
    /**
     * `"light"`, `"dark"` (light defaults swapped for a dark theme on a solid dark
     * card; colors the project or page set are kept) or `"auto"` (the browser's
     * `prefers-color-scheme`). When not given: the session's `color_scheme`, else light.
     */
    colorScheme?: "light" | "dark" | "auto";
    /**
     * BCP 47 tag (`"de-CH"`) for the form's texts and money format; wins over the session's
     * `locale`. Built in: en, es, fr, de, pt-BR, ja (de-CH → de → en). Your labels stay as written.
     */
    locale?: string;
    /** Overrides merged over the project's customization for this page. */
    theme?: Theme;
    labels?: Labels;
    fields?: Fields;
  }

  /**
   * Returned by `createPayment`. Wrong use throws a `MavenError` (an `Error` whose `name` is
   * "MavenError") with a message that says what to do: unknown option, missing `sessionId`,
   * option of the wrong type, unknown slot, slot already holding a form, mounted twice.
   */
  interface Controller {
    /** Inserts the form (an iframe) into the element or the first match of the selector. */
    mount(target: string | Element): Controller;
    /** Partial updates, applied to the live form. Unknown keys or invalid values throw. */
    updateTheme(theme: Theme): Controller;
    updateLabels(labels: Labels): Controller;
    updateFields(fields: Fields): Controller;
    /** Adds a handler (beside the `onX` options). Unknown event names throw. */
    on<E extends EventName>(event: E, handler: (arg: EventMap[E]) => void): Controller;
    /** Removes that handler, or every handler of `event` when none is given. */
    off<E extends EventName>(event: E, handler?: (arg: EventMap[E]) => void): Controller;
    /** Moves the keyboard focus into the form (the card number, or the first field in error). */
    focus(): Controller;
    /** Takes the keyboard focus out of the form. */
    blur(): Controller;
    /** Loads the form again in the same place, e.g. after `loaderror`. */
    retry(): Controller;
    /** Swaps to another session in place; the old form's late messages are ignored. */
    update(options: { sessionId: string }): Controller;
    /** Removes the iframe and every listener, in any state. `mount` works again afterwards. */
    destroy(): void;
    /** The iframe while mounted, else `null`. */
    readonly iframe: HTMLIFrameElement | null;
  }

  interface SDK {
    /** "1" */
    readonly version: string;
    /**
     * Resolves once the SDK's WebAssembly module is ready; rejects with a `MavenError` that
     * names the missing CSP directive when the page blocks it. Optional: calls made earlier
     * are queued and replayed (their errors then go to `onFailure` and the console).
     */
    readonly ready: Promise<void>;
    createPayment(options: Options | string): Controller;
  }
}

/** `<maven-payment session-id="…">`: attributes `session-id`, `base-url`, `locale`, `color-scheme`,
 * `load-timeout`, JSON `theme` / `labels` / `fields`. Events bubble as `maven-<event>`. */
interface MavenPaymentElement extends HTMLElement {
  /** The controller while connected, else `null`. */
  readonly controller: Maven.Controller | null;
  retry(): void;
}

type MavenDomEvents = { [E in Maven.EventName as `maven-${E}`]: CustomEvent<Maven.EventMap[E]> };

interface HTMLElementTagNameMap {
  "maven-payment": MavenPaymentElement;
}
interface HTMLElementEventMap extends MavenDomEvents {}
interface DocumentEventMap extends MavenDomEvents {}
interface WindowEventMap extends MavenDomEvents {}

interface Window {
  Maven: Maven.SDK;
}
declare var Maven: Maven.SDK;
