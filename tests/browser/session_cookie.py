"""The session cookie in a real browser over plain-HTTP localhost (issue 10 item 4).

`__Host-` cookies must be `Secure`; Chromium treats http://localhost and http://127.0.0.1 as
secure contexts, so it must keep the cookie and send it back. Signs up from a page of the
instance, then calls GET /api/v1/me and a CSRF-checked write with the cookie the browser kept,
and checks that scripts cannot read it. Usage: session_cookie.py CONFIG, a JSON object with
`page` (the instance's base URL) and `chromium` (the executable); exit 1 on failure.
"""

import json
import sys
import uuid

from playwright.sync_api import sync_playwright

SCRIPT = """async (email) => {
  const post = (path, body, headers = {}) => fetch(path, {method: 'POST',
      headers: {'Content-Type': 'application/json', ...headers}, body: JSON.stringify(body)});
  const signup = await post('/api/v1/auth/signup',
      {email, password: 'correct horse battery staple'});
  const token = (await signup.json()).csrf_token;
  const me = await fetch('/api/v1/me');
  const write = await fetch('/api/v1/me', {method: 'PATCH',
      headers: {'Content-Type': 'application/json', 'X-CSRF-Token': token},
      body: JSON.stringify({name: 'Browser'})});
  return {signup: signup.status, me: me.status, write: write.status,
          visible: document.cookie.includes('ng_session')};
}"""


def check(browser, base):
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{base}/livez")
    result = page.evaluate(SCRIPT, f"browser-{uuid.uuid4().hex}@example.com")
    cookies = [c for c in context.cookies() if c["name"] == "__Host-ng_session"]
    context.close()
    ok = (result == {"signup": 201, "me": 200, "write": 200, "visible": False}
          and len(cookies) == 1 and cookies[0]["secure"] and cookies[0]["httpOnly"])
    print(f"{base}: {json.dumps(result)} cookie={cookies[0] if cookies else None}: "
          f"{'ok' if ok else 'FAILED'}")
    return ok


def main():
    config = json.loads(sys.argv[1])
    port = config["page"].rsplit(":", 1)[1]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=config["chromium"],
                                    args=["--no-sandbox", "--disable-background-networking"])
        results = [check(browser, f"http://{host}:{port}") for host in ("localhost", "127.0.0.1")]
        browser.close()
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
