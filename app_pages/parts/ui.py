"""Small helpers every page shares: sidebar state, samples/upload, errors, "show the code".

Pages import this as `from app_pages.parts import ui`.
"""
from __future__ import annotations

import inspect
from contextlib import contextmanager

import streamlit as st

DEFAULT_SEED = 0


def model_source() -> str:
    """The sidebar's model-source mode: "auto", "offline" or "online"; always "offline" when the
    environment forces it (KEYPOINT_OFFLINE=1 ...), so pages, badges and the Models page agree."""
    from core.zoo import default_mode  # light import: no torch
    from core.zoo.network import offline_forced

    if offline_forced():
        return "offline"
    return st.session_state.get("src") or default_mode()  # None if the control was cleared


def model_source_control() -> None:
    """The sidebar's model-source control (app.py); disabled, and saying why, when offline is forced."""
    from core.zoo import default_mode
    from core.zoo.network import offline_reason

    forced = offline_reason()
    help_text = ("auto: pretrained weights when cached or the network answers, else the weights bundled "
                 "with KeyPoint. offline: never touch the network. online: like auto, but say so when the "
                 "network is down.")
    if forced:
        st.segmented_control("Model source", ["auto", "offline", "online"], key="model_source_forced",
                             default="offline", disabled=True, help=help_text)
        st.caption(f":material/cloud_off: Offline: forced by `{forced}` on this server; only cached, "
                   "packaged and bundled weights are used.")
    else:
        st.segmented_control("Model source", ["auto", "offline", "online"], key="src", bind="query-params",
                             default=default_mode(), help=help_text)


def _expected_bytes(args: tuple) -> int:
    """A card's download size (or its load peak, when the card gives one), when a loader's first
    argument names a card: the budget makes room for it before loading, so the server's peak stays
    near the budget."""
    from core.zoo.registry import all_cards

    card = all_cards().get(args[0]) if args and isinstance(args[0], str) else None
    if card is None:
        return 0
    # load_peak_mb: a builder that briefly holds more than the model it returns (SSD300's VGG-16)
    return int(max([s.size_mb for s in card.sources] + [card.extra.get("load_peak_mb", 0)]) * 2**20)


@st.cache_resource(show_spinner=False)
def _cache_generation() -> object:
    """A fresh object after every st.cache_resource.clear() (the app menu's "Clear caches", tests):
    the model budget is cleared with it, so both caches forget together."""
    return object()


_seen_generation: list = [None]


def cached_model(fn=None):
    """Cache a page's model loader in the process-wide model budget (core.zoo.budget.BUDGET): one
    least-recently-used registry for every page and session, capped by KEYPOINT_MODEL_BUDGET_MB.
    Use as `@ui.cached_model` on the page's loader; arguments must have a stable repr (names,
    modes, sizes). `loader.hold(*args)` is a context manager that keeps the model loaded while a
    running job uses it. When the budget had evicted the model, the page says it was reloaded."""
    import functools
    from pathlib import Path

    from core.zoo.budget import BUDGET

    def deco(fn):
        where = f"{Path(fn.__code__.co_filename).parent.name}/{Path(fn.__code__.co_filename).name}:{fn.__qualname__}"

        def key_of(args, kwargs) -> str:
            inside = ", ".join([repr(a) for a in args] + [f"{k}={v!r}" for k, v in sorted(kwargs.items())
                                                           if not k.startswith("_")])  # _on_progress: not a key
            return f"{where}({inside})"

        def sync_with_streamlit_cache() -> None:
            token = _cache_generation()
            if _seen_generation[0] is not token:
                if _seen_generation[0] is not None:
                    BUDGET.clear()
                _seen_generation[0] = token

        def load_with_notice(key, args, kwargs):
            sync_with_streamlit_cache()
            if key in BUDGET:
                return BUDGET.get(key, lambda: fn(*args, **kwargs))[0]
            size = _expected_bytes(args)
            what = (args[0] if args and isinstance(args[0], str) else "the model") + (
                f" (up to {size / 2**20:,.0f} MB)" if size else "")
            with st.spinner(f"Loading {what}…", show_time=True):  # the seconds so far: a download has no steps to count
                value, event = BUDGET.get(key, lambda: fn(*args, **kwargs), size)
            if event == "reloaded":
                st.toast(f":material/memory: {args[0] if args else fn.__name__} was unloaded to keep the "
                         f"server within its model memory budget ({BUDGET.budget / 2**20:,.0f} MB) and has "
                         "been loaded again.")
            return value

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            return load_with_notice(key_of(args, kwargs), args, kwargs)

        @contextmanager
        def hold(*args, **kwargs):
            key = key_of(args, kwargs)
            load_with_notice(key, args, kwargs)
            with BUDGET.hold(key, lambda: fn(*args, **kwargs), _expected_bytes(args)) as value:
                yield value

        wrapper.hold = hold
        wrapper.key_of = lambda *a, **k: key_of(a, k)
        return wrapper

    return deco(fn) if fn is not None else deco


@contextmanager
def heavy_slot(what: str = "This run"):
    """Wait for a free heavy-job slot (core.runtime.HEAVY), saying so, then run the block.
    Wrap training runs and big-model inference: `with ui.heavy_slot("Training"): ...`."""
    from core.runtime import HEAVY

    box = st.empty()

    def on_wait(ahead: int, running: int) -> None:
        box.info(f":material/hourglass_top: {what} is waiting for a free slot ({ahead} ahead; {running} "
                 f"running now on this server, which runs at most {HEAVY.n} at once).")

    with HEAVY.slot(on_wait=on_wait):
        box.empty()
        yield


PRESENT_KEY = "present"  # the sidebar toggle's key and URL parameter (`?present=1`)


def presenting() -> bool:
    """True in presenter mode: the sidebar toggle, or `?present=1` / `?present=true` in the link."""
    if st.session_state.get(PRESENT_KEY) is not None:
        return bool(st.session_state[PRESENT_KEY])
    return st.query_params.get(PRESENT_KEY, "").lower() in ("1", "true")


def present_toggle() -> bool:
    """The sidebar's presenter-mode toggle (app.py), bound to the link as `present`."""
    if st.session_state.get(PRESENT_KEY) is None and st.query_params.get(PRESENT_KEY, "").lower() == "1":
        from app_pages.parts.share import rewrite_initial

        rewrite_initial(PRESENT_KEY, "true")  # a bound bool reads only true/false; the link keeps saying so
    return st.toggle("Presenter mode", key=PRESENT_KEY, bind="query-params",
                     help="For a projector: bigger type, sidebar folded away, one chart per row, "
                          "and the keyboard steps the replays (see each page's Next / Previous buttons).")


CHART_SCALE = 1.6  # chart type size in presenter mode


def chart(where, chart, **kwargs):
    """`where.altair_chart(chart, **kwargs)` (where: st, a column, a container), with bigger axis,
    legend and title type in presenter mode (core.viz.style.scaled) and, on a phone, panels that sat side
    by side one under the other (core.viz.style.stacked)."""
    from core.viz.style import scaled, stacked

    if on_phone():
        chart = stacked(chart)
    return where.altair_chart(scaled(chart, CHART_SCALE if presenting() else 1.0), **kwargs)


def on_phone() -> bool:
    """The browser says it is a phone (its User-Agent has "Mobi", MDN's advice): charts stack their panels."""
    try:
        return "Mobi" in (st.context.headers.get("User-Agent") or "")
    except Exception:  # noqa: BLE001 - no request headers (bare mode): not a phone
        return False


def seed() -> int:
    """The sidebar's global seed."""
    value = st.session_state.get("seed")
    return DEFAULT_SEED if value is None else int(value)


_MESSAGE_ESCAPE = "\\*_[]<>#|~$"  # markdown/HTML that could render; backticks (code) stay
MAX_MESSAGE = 400  # characters of an error message shown (a 100 000-character input must not come back whole)


def safe_message(text: str, limit: int = MAX_MESSAGE) -> str:
    """An error message made safe for st.warning: control characters and lone surrogates replaced,
    markdown emphasis, links and HTML escaped (echoed user text shows as typed), shortened."""
    text = str(text)
    out = "".join("\ufffd" if 0xD800 <= ord(ch) <= 0xDFFF or (ord(ch) < 32 and ch not in "\t\n") or ord(ch) == 127
                  else "\\" + ch if ch in _MESSAGE_ESCAPE else ch for ch in text[:limit])
    return out + ("…" if len(text) > limit else "")


@contextmanager
def friendly_errors(what: str = "This step"):
    """Turn a ValueError (bad input) into a clear message, and anything else into an error box
    with the details folded away. Never a raw traceback in the page, never echoed input rendered
    as markdown or HTML, never a message longer than MAX_MESSAGE characters."""
    try:
        yield
    except ValueError as e:
        st.warning(f"{what}: {safe_message(e)}")
    except Exception as e:  # noqa: BLE001 - the page must survive any failure
        st.error(f"{what} failed: {type(e).__name__}: {safe_message(e)}")


def show_code(*functions, label: str = "Show the code") -> None:
    """An expander with the source of the core functions that made the picture."""
    with st.expander(label):
        for fn in functions:
            st.caption(f"`{fn.__module__}.{fn.__qualname__}`")
            st.code(inspect.getsource(fn), language="python")


def source_badge(resolution) -> None:
    """Say which weights the page is showing and why (a zoo Resolution)."""
    if resolution.source is None:
        st.error(f"**{resolution.card.name}**: {resolution.reason}")
        return
    icon = {"pretrained": ":material/public:", "packaged": ":material/inventory_2:", "bundled": ":material/home:"}
    why = f", because {'; '.join(resolution.skipped)}" if resolution.skipped else ""
    st.caption(f"{icon[resolution.source.kind]} Weights: **{resolution.card.name}** from {resolution.reason}{why}")
    if resolution.source.kind != "pretrained":
        pretrained = [s for s in resolution.card.sources if s.kind == "pretrained"]
        if pretrained:
            st.caption(f"For the pretrained weights, run once while online: "
                       f"`python -m core.zoo download {resolution.card.name}`")


_MD_SPECIAL = "\\`*_{}[]()#+-.!|<>~$:"


def shown(text: str, limit: int = 80) -> str:
    """User-typed text made safe to place inside st.markdown / st.warning: shortened to `limit`
    characters, control characters and lone surrogates replaced, markdown and HTML escaped (so
    `**bold**` and `<script>` show as typed, never rendered)."""
    text = str(text)
    clean = "".join("\ufffd" if 0xD800 <= ord(ch) <= 0xDFFF or (ord(ch) < 32 and ch not in "\t") or ord(ch) == 127
                    else ch for ch in text[:limit])
    clean = "".join("\\" + ch if ch in _MD_SPECIAL else ch for ch in clean)
    return clean + (f"… ({len(text):,} characters)" if len(text) > limit else "")


MAX_UPLOAD_MB = 25


def image_input(key: str, help_text: str = "") -> tuple[str, bytes | None, "object | None"]:
    """Sample picker + uploader + camera. Returns (label, raw bytes or None, RGB array or None).

    Bad files give a clear warning and (label, None, None); nothing else breaks.
    """
    from core.vision.image import load_image
    from core.vision.samples import SAMPLES, load_sample, sample_png_bytes

    c1, c2 = st.columns([1, 2])
    choice = c1.radio("Image", ["Sample", "Upload", "Camera"], key=f"{key}_mode", horizontal=True)
    if choice == "Sample":
        name = c2.selectbox("Sample image", list(SAMPLES), key=f"{key}_sample", bind="query-params",
                            format_func=lambda n: f"{n}: {SAMPLES[n]}")
        return name, sample_png_bytes(name), load_sample(name)
    if choice == "Upload":
        # No `type=` name list: a name the list refuses (a .jfif JPEG, or a client that skips the
        # browser's filter) raises inside Streamlit before this script runs. The loader checks the bytes.
        up = c2.file_uploader(f"Upload an image (PNG, JPEG, WebP, BMP, TIFF, GIF; up to {MAX_UPLOAD_MB} MB)",
                              key=f"{key}_upload", help=help_text or None)
    else:
        up = c2.camera_input("Take a picture", key=f"{key}_camera")
    st.caption(":material/link_off: Your picture is not in the link: a shared link opens on the sample.")
    if up is None:
        st.info("Choose a file, or switch to *Sample* to use one of ours.")
        return "", None, None
    if getattr(up, "size", 0) > MAX_UPLOAD_MB * 2**20:
        st.warning(f"**{shown(up.name)}** is {up.size / 2**20:.0f} MB; the limit is {MAX_UPLOAD_MB} MB.")
        return up.name, None, None
    raw = up.getvalue()
    try:
        loaded = load_image(raw)
    except ValueError as e:
        st.warning(f"**{shown(up.name)}**: {e}")
        return up.name, None, None
    if loaded.notice:
        st.info(loaded.notice)
    return up.name, raw, loaded.rgb
