"""The agents' page in headless Debian chromium (conftest's `browser`), driven by Playwright against the real server."""

from __future__ import annotations

import pytest
from api_support import ARTIFACTS, USER_KEY, LiveServer, api_settings

pytestmark = pytest.mark.slow

DRAFT = "hey mate, your order #48213 is delayed again lol. it should be there by 14 March."


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with LiveServer(api_settings(tmp_path_factory.mktemp("web")), warm_up=False) as live:
        yield live


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(server.url + "/")
    yield page
    context.close()
    assert not errors, errors


def _fill(page) -> None:
    page.get_by_label("Customer's name").fill("Sarah Okafor")
    page.get_by_label("Customer's message").fill("This is the second time my order is late! I'm really fed up.")
    page.get_by_label("Past interactions").fill("2026-02-20: order #47990 arrived late, apologised")
    page.get_by_label("Draft reply").fill(DRAFT)


def test_rewrite_shows_the_reply_the_diff_and_the_findings(page):
    from playwright.sync_api import expect

    page.get_by_text("Settings").click()
    page.get_by_label("API key").fill(USER_KEY)
    _fill(page)
    page.get_by_role("button", name="Rewrite").click()

    expect(page.locator("#status")).to_have_text("Rewrite ready.", timeout=30_000)
    reply = page.locator("#rewrite-text")
    expect(reply).to_contain_text("#48213")
    expect(page.locator("#engine-line")).to_contain_text("rules")
    assert page.locator("#diff del").count() >= 1 and page.locator("#diff ins").count() >= 1
    assert "mate" in " ".join(page.locator("#diff del").all_inner_texts())
    expect(page.locator("#findings .badge-error").first).to_be_visible()
    expect(page.locator("#scores")).to_contain_text("Personalisation")

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "web-rewrite.png"), full_page=True)

    page.get_by_role("button", name="Copy reply").click()
    expect(page.locator("#copy-status")).to_have_text("Copied to the clipboard.")
    assert page.evaluate("navigator.clipboard.readText()") == reply.inner_text()


def test_a_cited_card_opens_in_a_dialog(page):
    from playwright.sync_api import expect

    page.evaluate(f"sessionStorage.setItem('coach.apiKey', {USER_KEY!r})")
    page.reload()
    _fill(page)
    page.get_by_role("button", name="Rewrite").click()
    expect(page.locator("#status")).to_have_text("Rewrite ready.", timeout=30_000)
    link = page.locator("#result .card-link").first
    link.click()
    dialog = page.locator("#card-dialog")
    expect(dialog).to_be_visible()
    expect(page.locator("#card-source")).to_contain_text("knowledge/cards/")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()


def test_keyboard_shortcut_submits_and_a_missing_key_is_explained(page):
    from playwright.sync_api import expect

    page.get_by_label("Draft reply").fill(DRAFT)
    page.get_by_label("Draft reply").press("Control+Enter")
    expect(page.get_by_role("alert")).to_contain_text("API key")
    expect(page.get_by_label("API key")).to_be_focused()  # Settings opened on the key field
    page.get_by_label("API key").fill(USER_KEY)
    page.get_by_label("API key").press("Control+Enter")
    expect(page.locator("#status")).to_have_text("Rewrite ready.", timeout=30_000)
    assert page.evaluate("sessionStorage.getItem('coach.apiKey')") == USER_KEY


def test_an_empty_draft_is_refused_in_the_page(page):
    from playwright.sync_api import expect

    page.get_by_role("button", name="Rewrite").click()
    expect(page.get_by_role("alert")).to_contain_text("draft")
    expect(page.get_by_label("Draft reply")).to_be_focused()
    assert page.get_by_label("Draft reply").get_attribute("aria-invalid") == "true"


def test_every_control_is_labelled_and_the_page_fits_a_phone(browser, server):
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
    page = context.new_page()
    page.goto(server.url + "/")
    unlabelled = page.evaluate(
        "[...document.querySelectorAll('input, textarea, select')].filter(e => !e.labels.length).map(e => e.id)"
    )
    assert unlabelled == []
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "web-narrow.png"), full_page=True)
    context.close()


def test_streamed_text_that_fails_verification_is_replaced_in_the_page(browser, tmp_path, openai_stub):
    from playwright.sync_api import expect

    from api_support import model_answer
    from coach.testing.openai_stub import Reply

    good = "Hi Sarah, I'm sorry your order #48213 is delayed again. It should be with you by 14 March."
    openai_stub.push(Reply(model_answer("Hi Sarah, it should be with you soon."), chunk_delay=0.05), Reply(model_answer(good)))
    settings = api_settings(tmp_path, api_keys=[], admin_keys=[], model="stub-model", openai_base_url=openai_stub.base_url,
                            openai_api_key="x", model_retries=0, model_timeout=5, guidance_k=0)  # fmt: skip
    with LiveServer(settings, warm_up=False) as live:
        context = browser.new_context()
        page = context.new_page()
        page.goto(live.url + "/")
        page.get_by_label("Customer's name").fill("Sarah")
        page.get_by_label("Draft reply").fill(DRAFT)
        page.get_by_role("button", name="Rewrite").click()
        # While the model's words stream in, they are shown as a draft in progress, not yet checked.
        expect(page.locator("#rewrite-text.in-progress")).to_be_visible(timeout=30_000)
        expect(page.locator("#progress-note")).to_be_visible()
        expect(page.locator("#status")).to_have_text("Rewrite ready.", timeout=30_000)
        expect(page.locator("#progress-note")).to_be_hidden()
        assert "in-progress" not in (page.locator("#rewrite-text").get_attribute("class") or "")
        expect(page.locator("#replaced-note")).to_contain_text("replaced")
        expect(page.locator("#rewrite-text")).to_have_text(good)
        expect(page.locator("#engine-line")).to_contain_text("llm:stub-model")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "web-replaced.png"), full_page=True)
        context.close()


@pytest.mark.parametrize("path, ready", [("/docs", ".swagger-ui .opblock"), ("/redoc", "[role=navigation], .menu-content")])
def test_the_api_docs_render_with_the_network_blocked(browser, server, path, ready):
    """Swagger UI and ReDoc come from the app's own /docs-assets: every other origin is refused."""
    from urllib.parse import urlparse

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    own = urlparse(server.url).netloc
    refused: list[str] = []

    def only_ours(route):
        if urlparse(route.request.url).netloc == own:
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    context.route("**/*", only_ours)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # A script or style the policy blocks would break the page. ReDoc's footer logo (an image on its CDN)
    # is blocked by the policy too, before any request: the page renders without it.
    page.on(
        "console",
        lambda msg: errors.append(msg.text)
        if "Content Security Policy" in msg.text and "Loading the image" not in msg.text
        else None,
    )
    page.goto(server.url + path)
    page.wait_for_selector(ready, timeout=30_000)
    assert "rewrite" in page.content().lower()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"api-docs{path.replace('/', '-')}-offline.png"))
    context.close()
    assert not refused, refused
    assert not errors, errors


POLICY_DRAFT = "hey mate, your order #48213 is delayed again lol. cant do anything its company policy"


def _rewrite(page, draft: str = DRAFT, **fields: str) -> None:
    from playwright.sync_api import expect

    page.get_by_text("Settings").click()
    page.get_by_label("API key").fill(USER_KEY)
    for label, value in fields.items():
        page.get_by_label(label).fill(value)
    page.get_by_label("Draft reply").fill(draft)
    page.get_by_role("button", name="Rewrite").click()
    expect(page.locator("#status")).to_have_text("Rewrite ready.", timeout=30_000)


def _phone_screenshot(page, name: str) -> None:
    """The same state at 390 px wide, then back to the desktop size."""
    size = page.viewport_size
    page.set_viewport_size({"width": 390, "height": 900})
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)
    page.set_viewport_size(size)


def test_a_placeholder_is_marked_and_blocks_copy_until_filled(page):
    from playwright.sync_api import expect

    _rewrite(page, POLICY_DRAFT, **{"Customer's name": "Sarah"})
    gap = page.locator("#rewrite-text mark.placeholder")
    expect(gap).to_have_count(1)
    page.get_by_role("button", name="Copy reply").click()
    expect(page.locator("#copy-status")).to_contain_text("Not copied: fill [")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "web-placeholder-blocked.png"), full_page=True)
    _phone_screenshot(page, "web-placeholder-blocked-390.png")

    gap.click()
    gap.evaluate("node => { node.textContent = 'a refund of the delivery fee'; }")  # the agent types the offer
    page.get_by_role("button", name="Copy reply").click()
    # Copied now; the check runs first and says whether the agent's own words need a second look.
    expect(page.locator("#copy-status")).to_contain_text("Copied", timeout=30_000)
    copied = page.evaluate("navigator.clipboard.readText()")
    assert "a refund of the delivery fee" in copied and "[" not in copied and "#48213" in copied


def test_findings_separate_what_was_fixed_from_what_is_open(page):
    from playwright.sync_api import expect

    _rewrite(page, **{"Customer's name": "Sarah"})
    expect(page.locator("#findings .fixed").first).to_contain_text("fixed in the reply")
    expect(page.locator("#open-findings li").first).to_be_visible()


def test_the_card_dialog_renders_markdown(page):
    from playwright.sync_api import expect

    _rewrite(page)
    page.locator("#result .card-link").first.click()
    body = page.locator("#card-body")
    expect(body.locator("h4, h3").first).to_be_visible()
    assert body.locator("ul li").count() >= 2
    assert "## " not in body.inner_text() and "- \"" not in body.inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "web-card-markdown.png"))
    _phone_screenshot(page, "web-card-markdown-390.png")


def test_the_new_fields_reach_the_request(page):
    from playwright.sync_api import expect

    requests: list[dict] = []
    page.on("request", lambda r: requests.append(r.post_data_json) if r.url.endswith("/v1/rewrite") else None)
    page.get_by_text("Settings").click()
    page.get_by_label("API key").fill(USER_KEY)
    page.get_by_label("Tone").select_option("formal")
    page.get_by_label("Locale").fill("en-GB")
    page.get_by_label("Address as").fill("Mr Okafor")
    page.get_by_label("Customer's name").fill("David Okafor")
    page.get_by_label("Draft reply").fill(DRAFT)
    page.get_by_role("button", name="Rewrite").click()
    expect(page.locator("#status")).to_have_text("Rewrite ready.", timeout=30_000)
    body = requests[-1]
    assert body["tone"] == "formal" and body["context"]["locale"] == "en-GB"
    assert body["context"]["address_as"] == "Mr Okafor"


def test_after_an_error_nothing_stale_says_ready(page):
    from playwright.sync_api import expect

    _rewrite(page)
    page.get_by_label("API key").fill("wrong-key-0123456789")
    page.get_by_role("button", name="Rewrite").click()
    expect(page.locator("#error")).to_be_visible(timeout=30_000)
    expect(page.locator("#status")).to_have_text("The rewrite failed.")
    expect(page.locator("#result")).to_be_hidden()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "web-error-state.png"))
    _phone_screenshot(page, "web-error-state-390.png")


def test_the_page_has_a_favicon(page, server):
    import httpx

    href = page.locator("link[rel=icon]").get_attribute("href")
    assert httpx.get(server.url + href).headers["content-type"].startswith("image/svg+xml")
    assert httpx.get(server.url + "/favicon.ico").status_code == 200


def test_single_changes_can_be_turned_down_and_the_reply_is_checked_again(page):
    from playwright.sync_api import expect

    _rewrite(page, **{"Customer's name": "Sarah"})
    reply = page.locator("#rewrite-text")
    original = reply.inner_text()
    greeting = page.locator("#changes li", has_text="hey mate").first
    greeting.locator("input.keep").uncheck()
    expect(reply).to_contain_text("hey mate,")
    expect(page.locator("#check-status")).to_contain_text("mate", timeout=30_000)  # the check finds the old words
    assert "#48213" in reply.inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "web-change-rejected.png"), full_page=True)

    greeting.locator("input.keep").check()
    expect(reply).to_have_text(original)
    expect(page.locator("#check-status")).to_contain_text("Checked", timeout=30_000)
    page.set_viewport_size({"width": 390, "height": 900})
    page.screenshot(path=str(ARTIFACTS / "web-change-accepted-390.png"), full_page=True)
