"""The intake app factory: ``create_app(config)`` builds a fresh Flask app for one registry.

Nothing happens at import time; everything the app needs arrives in the
:class:`~alliance_portal.intake.config.IntakeConfig` (the Flask app factory pattern), so tests
build as many independent apps as they like.
"""

from __future__ import annotations

from flask import Flask
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from alliance_portal.intake.config import CSRF_TIME_LIMIT, IntakeConfig
from alliance_portal.intake.errors import error_page
from alliance_portal.intake.messages import ERRORS
from alliance_portal.intake.office.language import language_template_helpers
from alliance_portal.intake.office.nav import console_template_helpers
from alliance_portal.intake.security import (
    IntakeSessionInterface,
    RateLimited,
    add_security_headers,
    require_post_budget,
)
from alliance_portal.intake.services import EXTENSION_KEY, build_services

SESSION_COOKIE_NAME = "intake_session"


def create_app(config: IntakeConfig) -> Flask:
    app = Flask(__name__, static_folder="static", template_folder="templates")
    app.config.update(
        SECRET_KEY=config.secret,
        MAX_CONTENT_LENGTH=config.max_request_bytes,
        MAX_FORM_MEMORY_SIZE=config.max_request_bytes,
        SESSION_COOKIE_NAME=SESSION_COOKIE_NAME,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=config.secure_cookies,
        PERMANENT_SESSION_LIFETIME=config.session_lifetime,
        WTF_CSRF_TIME_LIMIT=int(CSRF_TIME_LIMIT.total_seconds()),
        WTF_CSRF_SSL_STRICT=True,
        TEMPLATES_AUTO_RELOAD=False,
    )
    app.config.update(config.flask_overrides)
    app.session_interface = IntakeSessionInterface()
    if config.behind_proxy:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]

    app.extensions[EXTENSION_KEY] = build_services(config)
    CSRFProtect(app)
    app.before_request(require_post_budget)
    app.after_request(add_security_headers)
    _register_error_pages(app)

    from alliance_portal.intake.auth_views import bp as auth_bp
    from alliance_portal.intake.form.assistant_views import bp as assistants_bp
    from alliance_portal.intake.form.profile_views import bp as alliance_bp
    from alliance_portal.intake.office.deadline_views import bp as office_deadlines_bp
    from alliance_portal.intake.office.home_views import bp as office_bp
    from alliance_portal.intake.office.import_views import bp as imports_bp
    from alliance_portal.intake.office.jobs_views import bp as jobs_bp
    from alliance_portal.intake.office.language import bp as language_bp
    from alliance_portal.intake.office.notices_views import bp as notices_bp
    from alliance_portal.intake.office.password_views import bp as password_bp
    from alliance_portal.intake.office.people_views import bp as office_people_bp
    from alliance_portal.intake.office.registry_views import bp as registry_bp
    from alliance_portal.intake.office.reports_views import bp as reports_bp
    from alliance_portal.intake.people import taipei_time

    app.register_blueprint(auth_bp)
    app.register_blueprint(alliance_bp)
    app.register_blueprint(assistants_bp)
    app.register_blueprint(office_people_bp)
    app.register_blueprint(office_deadlines_bp)
    app.add_template_filter(taipei_time, "taipei")
    app.register_blueprint(office_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(registry_bp)
    app.register_blueprint(password_bp)
    app.register_blueprint(imports_bp)
    app.register_blueprint(jobs_bp)
    app.register_blueprint(notices_bp)
    app.register_blueprint(language_bp)
    app.context_processor(console_template_helpers)
    # globals, not a context processor: imported macros (macros.html's bi) see them too
    app.jinja_env.globals.update(language_template_helpers())
    return app


def _register_error_pages(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError) -> tuple[str, int]:
        return error_page("csrf", 400)

    @app.errorhandler(RateLimited)
    def rate_limited(exc: RateLimited) -> tuple[str, int, dict[str, str]]:
        body, status = error_page("429", 429, retry_after=exc.retry_after)
        return body, status, {"Retry-After": str(exc.retry_after)}

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> tuple[str, int] | HTTPException:
        code = exc.code or 500
        if str(code) in ERRORS:
            return error_page(str(code), code)
        if code >= 500:
            return error_page("500", code)
        return exc

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> tuple[str, int]:
        app.logger.exception("unexpected error")
        return error_page("500", 500)
