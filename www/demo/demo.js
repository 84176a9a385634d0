// The demo merchant's frontend: asks its server (/demo/api/session, which holds the secret key)
// for a session, mounts the Maven form in a chat bubble, and answers in the chat.
(function () {
  "use strict";
  var log = document.getElementById("log");
  var params = new URLSearchParams(location.search);

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text) e.textContent = text;
    return e;
  }
  function say(who, content, extraClass) {
    var li = el("li", "msg " + who + (extraClass ? " " + extraClass : ""));
    var bubble = el("div", "bubble");
    if (typeof content === "string") bubble.textContent = content; else bubble.appendChild(content);
    li.appendChild(bubble);
    log.appendChild(li);
    log.scrollTop = log.scrollHeight;
    return li;
  }
  function typing() {
    var dots = el("span", "dots");
    for (var i = 0; i < 3; i++) dots.appendChild(el("i"));
    return say("agent", dots, "typing");
  }
  function brandName(b) {
    return { visa: "Visa", mastercard: "Mastercard", amex: "American Express", discover: "Discover" }[b] || "Card";
  }

  function request() {
    var body = { description: params.get("description") || "Pro plan · 1 month" };
    var amount = parseInt(params.get("amount") || "", 10);
    body.amount_cents = amount >= 0 ? amount : 1234;
    ["mode", "gateway", "currency"].forEach(function (k) { if (params.get(k)) body[k] = params.get(k); });
    if (params.get("expires_in")) body.expires_in = parseInt(params.get("expires_in"), 10);
    // "Authorize only": the card is held, and the merchant captures or voids it later
    // (POST /v1/widget-sessions/{id}/capture or /void with its secret key).
    if (params.get("capture") === "false") body.capture = false;
    return fetch("/demo/api/session", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) })
      .then(function (r) { return r.json().then(function (j) { if (r.status !== 201) throw new Error(typeof j.detail === "string" ? j.detail : "HTTP " + r.status); return j; }); });
  }

  function offer() {
    var dots = typing();
    return request().then(function (s) {
      dots.remove();
      var tokenize = s.mode === "tokenize";
      var wrap = el("div");
      wrap.appendChild(el("p", "", tokenize
        ? "Sure — let's save a card for future renewals. Here is your secure form:"
        : "Great choice! Pro is " + s.amount_text + " per month. Here is your secure payment form:"));
      var slot = el("div", "slot");
      wrap.appendChild(slot);
      say("agent", wrap, "pay");
      var payment = Maven.createPayment({
        sessionId: s.session_id,
        onReady: function () { log.scrollTop = log.scrollHeight; },
        onSuccess: function (r) {
          var box = el("div");
          box.appendChild(el("p", "", r.status === "tokenized" ? "Card saved — thanks!" : "Payment received — thank you! Your workspace is now on Pro."));
          var dl = el("dl", "receipt");
          [["Amount", r.status === "tokenized" ? "—" : s.amount_text], ["Card", brandName(r.card_brand) + " •••• " + r.card_last4],
           ["Reference", r.transaction_id]].forEach(function (row) { dl.appendChild(el("dt", "", row[0])); dl.appendChild(el("dd", "", row[1])); });
          box.appendChild(dl);
          setTimeout(function () { say("agent", box); }, 500);
        },
        onFailure: function (e) {
          // Declines with attempts left are handled inside the form ("Try again").
          if (e.attempts_left > 0) return;
          if (e.error_code === "card_declined" || e.error_code === "insufficient_funds" || e.error_code === "incorrect_cvc" || e.error_code === "expired_card" || e.error_code === "processing_error" || e.error_code === "gateway_unavailable" || e.error_code === "network_error") return;
          say("agent", "Hmm, that didn't work: " + e.error_message);
        },
        onExpired: function () {
          var box = el("div");
          box.appendChild(el("p", "", "That payment link has expired — no charge was made."));
          var again = el("button", "again", "Send a new link");
          again.type = "button";
          again.addEventListener("click", function () { again.disabled = true; payment.destroy(); offer(); });
          box.appendChild(again);
          say("agent", box);
        }
      });
      payment.mount(slot);
      window.demoPayment = payment; // for the browser tests and the curious
    }).catch(function (e) {
      dots.remove();
      say("agent", "Sorry — I couldn't start a payment: " + e.message);
    });
  }

  document.getElementById("composer").addEventListener("submit", function (e) {
    e.preventDefault();
    var input = document.getElementById("say");
    if (!input.value.trim()) return;
    say("user", input.value.trim());
    input.value = "";
    setTimeout(function () { say("agent", "I'm a demo assistant — pay with a test card above to see the flow end to end."); }, 600);
  });

  offer();
})();
