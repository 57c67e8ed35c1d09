"""The billing pages in headless Chromium (issue 13): the limit banner on a workspace whose
import stopped at the plan's page limit, the limits on /billing with the plan that lifts each,
the upgrade button leading to the Checkout URL, the success page waiting (and granting nothing)
until a verified webhook arrives, then the portal button leading to the Portal URL.

Usage: billing_pages.py CONFIG_JSON with `chromium`, `base` (the instance), `stripe` (the
Stripe stand-in's base URL), `email` and `password` (a free account), `workspace` (its
workspace stopped at the limit), and `webhook` (`payload` and `signature` of the event that
confirms the payment). Prints one line per check; exits 1 when one fails.
"""

import json
import sys

from playwright.sync_api import sync_playwright

failures = []


def check(name, ok, detail=""):
    print(f"{'ok' if ok else 'FAILED'}: {name} {detail}".rstrip(), flush=True)
    if not ok:
        failures.append(name)


def main(config):
    base, stripe = config["base"], config["stripe"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=config["chromium"],
                                    args=["--no-sandbox", "--disable-background-networking"])
        page = browser.new_context().new_page()
        errors = []
        # The page a message came from goes with it: a failed load's text does not name it.
        page.on("console", lambda m: errors.append(f"{m.text} ({m.location.get('url')})") if m.type == "error" else None)

        page.goto(base + "/login")
        page.get_by_label("Email").fill(config["email"])
        page.get_by_label("Password").fill(config["password"])
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(base + "/")

        page.goto(f"{base}/workspaces/{config['workspace']}")
        banner = page.locator(".limit-banner")
        check("the workspace says its import stopped at the limit",
              banner.count() == 1 and "stopped at" in banner.inner_text(), banner.inner_text() if banner.count() else "")

        page.get_by_role("link", name="Plan and billing").click()
        page.wait_for_url(base + "/billing")
        check("the billing page names the plan", page.locator("#current-plan").inner_text() == "free")
        reached = page.locator("tr.limit-reached")
        texts = [reached.nth(i).inner_text() for i in range(reached.count())]
        check("the reached limits are shown with the plan that lifts them",
              any("Pages per workspace" in t and "pro:" in t for t in texts), " | ".join(texts))

        page.get_by_role("button", name="Upgrade to pro").click()
        page.wait_for_url(f"{stripe}/checkout/**")
        check("the upgrade button leads to Stripe Checkout", page.url.startswith(f"{stripe}/checkout/cs_"), page.url)

        page.goto(base + "/billing/success?session_id=cs_whatever")
        check("returning from Checkout grants nothing by itself",
              page.locator("#billing-wait-plan").inner_text() == "free")
        answer = page.request.post(base + "/api/webhooks/stripe", data=config["webhook"]["payload"],
                                   headers={"Content-Type": "application/json",
                                            "Stripe-Signature": config["webhook"]["signature"]})
        check("the signed webhook is accepted", answer.status == 200, str(answer.status))
        page.locator("[data-confirmed=true]").wait_for(timeout=30_000)
        check("the success page sees the plan change by itself",
              page.locator("#billing-wait-plan").inner_text() == "pro")

        page.goto(base + "/billing")
        page.get_by_role("button", name="Manage the subscription (card, plan, invoices, cancel)").click()
        page.wait_for_url(f"{stripe}/portal/**")
        check("the portal button leads to the Customer Portal", page.url.startswith(f"{stripe}/portal/bps_"), page.url)
        own = [e for e in errors if stripe not in e and "404" not in e]
        check("no console errors on our pages", not own, "; ".join(own))
        browser.close()
    return not failures


if __name__ == "__main__":
    sys.exit(0 if main(json.loads(sys.argv[1])) else 1)
