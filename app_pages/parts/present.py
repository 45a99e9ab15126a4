"""Presenter mode and the phone layout, as page-wide CSS (app.py calls `apply()` on every run).

Presenter mode (`ui.presenting()`): bigger titles, captions and text for a projector, and any row of
columns holding a chart, picture or table laid out one per row. Always on: narrow screens (phones)
keep every chart (charts go through ui.chart for presenter type), picture and table inside the screen's width (wide charts scroll inside their own
box, never the page), and tab bars scroll sideways under the thumb.
"""
from __future__ import annotations

import contextvars
from contextlib import contextmanager

import streamlit as st

from app_pages.parts import ui

# Charts, pictures and tables: a row of columns holding one of these stacks in presenter mode.
_VISUAL = "[data-testid=stVegaLiteChart], [data-testid=stImage], [data-testid=stDataFrame]"

PHONE_CSS = """
@media (max-width: 640px) {
  [data-testid=stVegaLiteChart], [data-testid=stDataFrame] { max-width: 100%; overflow-x: auto; }
  [data-testid=stMain] [data-testid=stElementContainer] { max-width: 100%; }  /* fixed-width elements shrink */
  [data-testid=stImage], [data-testid=stImageContainer] { max-width: 100%; }
  [data-testid=stImage] img { max-width: 100%; height: auto; }
  [data-testid=stTabs] [role=tablist] { overflow-x: auto; scrollbar-width: thin; }
  [data-testid=stTab] { min-height: 2.5rem; padding: 0 0.6rem; }
  [data-testid=stMain] button { min-height: 2.5rem; }
  /* WCAG 2.2 target size (24 px): the widgets' "?" help buttons, the tab row's scroll arrows, a chip's x */
  [data-testid=stMain] button[aria-label^="Help for"],
  [data-testid=stMain] button[aria-label^="Scroll tabs"],
  [data-testid=stMain] [data-baseweb=tag] button, [data-testid=stMain] button[aria-label^="Remove "] { min-width: 24px; }
  [data-testid=stMain] [data-testid=stSlider] input[type=range] { min-height: 24px; }  /* the slider's thumb track */
  [data-testid=stMain] label:has(input[type=radio]), [data-testid=stMain] label:has(input[type=checkbox]) { min-height: 24px; }
  [data-testid=stMain] a[href^="#"] { display: inline-flex; min-width: 24px; min-height: 24px; }  /* heading links */
}
"""

PRESENTER_CSS = f"""
[data-testid=stMain] h1 {{ font-size: 3.2rem; }}
[data-testid=stMain] h2 {{ font-size: 2.5rem; }}
[data-testid=stMain] h3 {{ font-size: 2.0rem; }}
[data-testid=stMain] [data-testid=stMarkdownContainer] p,
[data-testid=stMain] [data-testid=stMarkdownContainer] li {{ font-size: 1.35rem; }}
[data-testid=stMain] [data-testid=stCaptionContainer],
[data-testid=stMain] [data-testid=stCaptionContainer] p {{ font-size: 1.15rem; }}
[data-testid=stMain] [data-testid=stWidgetLabel] p {{ font-size: 1.15rem; }}
[data-testid=stMain] [data-testid=stTab] p {{ font-size: 1.25rem; }}
[data-testid=stHorizontalBlock]:has({_VISUAL}) {{ flex-direction: column; }}
[data-testid=stHorizontalBlock]:has({_VISUAL}) > [data-testid=stColumn] {{ width: 100% !important; flex: 1 1 100% !important; }}
"""

def apply() -> None:
    """Add this session's layout CSS to the page (phones always; presenter mode when on)."""
    css = PHONE_CSS + (PRESENTER_CSS if ui.presenting() else "")
    st.html(f"<style>{css}</style>")


PREVIOUS_KEY, NEXT_KEY = "Left", "Right"  # arrow keys; a presenter's clicker sends these too
# Whether steppers drawn now take the arrow keys. A page whose tabs each hold a stepper turns it off in the
# tabs that are not open (`with present.keyboard(tab.open)`): every tab is drawn, and a key pressed would
# otherwise step every view at once.
_KEYBOARD: contextvars.ContextVar[bool] = contextvars.ContextVar("keypoint_keyboard", default=True)


@contextmanager
def keyboard(on: bool | None):
    """Steppers drawn inside the block take the arrow keys only if `on` (a tab's `.open`; None counts as on)."""
    token = _KEYBOARD.set(on is not False)
    try:
        yield
    finally:
        _KEYBOARD.reset(token)


def stepper(label: str, options, value, key: str, where=None, help: str | None = None):
    """A replay's step: a select slider bound to the link (`key`), with Previous / Next buttons beside it
    that the keyboard's Left / Right arrows press. Returns the chosen option."""
    options = list(options)
    if len(options) < 2:
        return options[0] if options else value

    def move(delta: int) -> None:
        now = st.session_state.get(key, value)
        i = options.index(now) if now in options else options.index(value)
        st.session_state[key] = options[min(max(i + delta, 0), len(options) - 1)]

    box = where or st
    keys = _KEYBOARD.get()
    slider, prev, nxt = box.columns([8, 1, 1], vertical_alignment="bottom")
    prev.button("", key=f"{key}_prev", icon=":material/skip_previous:", on_click=move, args=(-1,), width="stretch",
                help=f"Previous step ({PREVIOUS_KEY} arrow)" if keys else "Previous step",
                shortcut=PREVIOUS_KEY if keys else None)
    nxt.button("", key=f"{key}_next", icon=":material/skip_next:", on_click=move, args=(1,), width="stretch",
               help=f"Next step ({NEXT_KEY} arrow)" if keys else "Next step", shortcut=NEXT_KEY if keys else None)
    return slider.select_slider(label, options, value=value, key=key, bind="query-params", help=help)
