// The page Stripe Checkout returns to: returning grants nothing, so it asks the billing API
// every two seconds, for up to five minutes, until a verified webhook has changed the plan,
// then says so.

const EVERY_MS = 2000;
const GIVE_UP_MS = 5 * 60 * 1000;

function wait(box) {
  const before = box.dataset.planBefore;
  const text = box.querySelector("#billing-wait-text");
  const plan = box.querySelector("#billing-wait-plan");
  const started = Date.now();
  const poll = async () => {
    const response = await fetch(box.dataset.billingWait, { headers: { Accept: "application/json" } });
    if (response.ok) {
      const billing = await response.json();
      if (billing.plan !== before || billing.status === "active" || billing.status === "trialing") {
        plan.textContent = billing.plan;
        text.textContent = `Payment confirmed: you are on the ${billing.plan} plan.`;
        box.dataset.confirmed = "true";
        return;
      }
    }
    if (Date.now() - started < GIVE_UP_MS) {
      setTimeout(poll, EVERY_MS);
    } else {
      text.textContent = "Stripe has not confirmed the payment yet. Reload this page later; if nothing changes, contact us.";
    }
  };
  poll();
}

document.querySelectorAll("[data-billing-wait]").forEach(wait);
