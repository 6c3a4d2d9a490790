"""The playground in a real browser: headless Chromium (Debian's chromium and chromium-driver,
driven by selenium) types an expression, changes the layout, sees the typeset result, the steps,
the code and the check, and opens the shared link, which renders the same result.

Skipped only outside CI when the browser is not installed; under CI (CI set, as .ci/run runs,
which installs the browser) a missing browser fails.  The screenshot is saved to the test's
temporary folder, or to $MATCALC_SCREENSHOT when it is set.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.web_server import running_server

CHROMIUM = next(filter(None, map(shutil.which, ("chromium", "chromium-browser"))), None)
DRIVER = shutil.which("chromedriver")


def _browser_or_skip():
    missing = []
    try:
        import selenium  # noqa: F401
        import starlette  # noqa: F401
    except ImportError as e:
        missing.append(f"the Python package {e.name}")
    if not CHROMIUM or not DRIVER:
        missing.append("Debian's chromium and chromium-driver")
    if missing:
        message = f"the browser test needs {' and '.join(missing)} (.ci/run installs them)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="module")
def browser():
    _browser_or_skip()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--window-size=1400,1500", "--no-first-run", "--disable-extensions"):
        options.add_argument(flag)
    # the driver given by path: selenium then looks nothing up on the network
    driver = webdriver.Chrome(service=Service(executable_path=DRIVER), options=options)
    driver.set_page_load_timeout(120)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def server():
    _browser_or_skip()
    with running_server() as s:
        yield s


def _wait(driver, condition, timeout=120):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout, poll_frequency=0.1).until(lambda d: condition())


def _text(driver, selector: str) -> str:
    from selenium.webdriver.common.by import By

    return " ".join(e.get_attribute("textContent") for e in
                    driver.find_elements(By.CSS_SELECTOR, selector))


def _settled(driver) -> bool:
    """The page is not waiting for an answer and shows one."""
    return (driver.find_element("id", "status").get_attribute("class") in ("status done",
                                                                           "status error"))


def test_type_change_the_layout_see_result_steps_code_check_and_share(browser, server,
                                                                        tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.get(server.url)
    _wait(browser, lambda: _settled(browser))
    box = browser.find_element(By.ID, "expr")
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys(Keys.DELETE)
    box.send_keys("x'*B*x + u'*x")
    _wait(browser, lambda: "wrt=x" in browser.current_url and _settled(browser)
          and "B" in _text(browser, "#result math"))
    assert browser.find_elements(By.CSS_SELECTOR, "#result math[display=block]")
    assert "denominator layout" in _text(browser, "#result .pill")

    browser.find_element(By.CSS_SELECTOR, "label[for=layout-numerator]").click()
    _wait(browser, lambda: "layout=numerator" in browser.current_url and _settled(browser)
          and "numerator layout" in _text(browser, "#result .pill"))
    result = _text(browser, "#result")
    assert "shape 1 × n" in result and "⊤" in _text(browser, "#result math")
    steps = browser.find_elements(By.CSS_SELECTOR, "#steps table.derivation tr")
    assert len(steps) >= 2 and browser.find_elements(By.CSS_SELECTOR, "#steps math")
    assert "the function" in _text(browser, "#steps")
    assert "def f_and_grad(" in _text(browser, "#code")
    tabs = browser.find_elements(By.CSS_SELECTOR, "#code-tabs .tab")
    assert [t.text for t in tabs] == ["numpy", "jax", "torch"]
    tabs[1].click()  # the JAX backend's code of the same result
    _wait(browser, lambda: "import jax" in _text(browser, "#code"))
    assert "✓ passes" in _text(browser, "#check") and "max rel. error" in _text(browser, "#check")
    screenshot = Path(os.environ.get("MATCALC_SCREENSHOT") or tmp_path / "playground.png")
    assert browser.save_screenshot(str(screenshot)) and screenshot.stat().st_size > 10_000

    shared = browser.current_url
    browser.get("about:blank")
    browser.get(shared)
    _wait(browser, lambda: _settled(browser) and _text(browser, "#result math"))
    assert _text(browser, "#result") == result
    assert browser.find_element(By.ID, "layout-numerator").is_selected()
    assert browser.find_element(By.ID, "expr").get_attribute("value") == "x'*B*x + u'*x"


def test_a_parse_error_marks_its_spot_in_the_expression(browser, server):
    from selenium.webdriver.common.by import By

    browser.get(server.url + "?expr=x'*A*x%20*%20/%20y&wrt=x")  # x'*A*x * / y
    _wait(browser, lambda: _settled(browser) and browser.find_element(
        By.ID, "expr-error").is_displayed())
    assert browser.find_element(By.CSS_SELECTOR, "#expr-caret mark").text == "/"
    assert browser.find_element(By.ID, "expr").get_attribute("aria-invalid") == "true"
    assert _text(browser, "#expr-message") == "unexpected '/'"


def test_an_example_and_the_hessian_and_a_declared_kind(browser, server):
    from selenium.webdriver.common.by import By

    browser.get(server.url)
    _wait(browser, lambda: _settled(browser))
    browser.find_element(By.CSS_SELECTOR, "#examples .chip[data-wrt='mu,S']").click()
    _wait(browser, lambda: _settled(browser) and "∂f/∂μ" in _text(browser, "#check"))
    assert "var=S:+matrix(n,+n)+spd" in browser.current_url
    assert len(browser.find_elements(By.CSS_SELECTOR, "#result .derivative")) == 2
    browser.get(server.url + "?expr=x'*S*x&wrt=x&order=2")
    # the Hessian's derivation (backpropagation, then the Jacobian) calls the function L
    _wait(browser, lambda: _settled(browser) and "∂²L/∂x∂xᵀ" in _text(browser, "#check"))
    kind = browser.find_element(By.CSS_SELECTOR, "select[data-name=S]")
    kind.find_element(By.CSS_SELECTOR, "option[value=symmetric]").click()
    _wait(browser, lambda: "symmetric" in browser.current_url and _settled(browser)
          and _text(browser, "#result .derivative math").endswith("=2S"))


# regression: the broadcast warning was on the command line's stderr only, not on the page
def test_a_broadcast_warning_shows_under_the_input_and_goes_when_fixed(browser, server):
    from selenium.webdriver.common.by import By

    browser.get(server.url + "?expr=x'*(x%20%2B%20c)&wrt=x")  # x'*(x + c)
    _wait(browser, lambda: _settled(browser) and browser.find_element(
        By.ID, "expr-warnings").is_displayed())
    assert _text(browser, "#expr-warnings li").startswith(
        "the scalar c is added to (or subtracted from) a vector")
    browser.get(server.url + "?expr=x'*x&wrt=x")
    _wait(browser, lambda: _settled(browser) and _text(browser, "#result math"))
    assert not browser.find_element(By.ID, "expr-warnings").is_displayed()
