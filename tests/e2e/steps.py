"""Steps the browser tests share."""

PASSWORD = "pass-word-123"  # tests.factories.UserFactory's


def log_in(page, username: str, password: str = PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form.stacked button[type=submit]")
