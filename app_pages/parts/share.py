"""A view is its widgets: read it as a link, guard a link on the way in, set a view from a link.

Streamlit 1.67 binds each view-defining widget to the URL (`bind="query-params"`, `key=` = the
parameter name): it fills the widget from the link, drops a value the widget does not offer, and
keeps the browser's URL in step. Three things it leaves to us, done here:
- the link of the current view, server-side (the backend's copy of the query string is not refreshed
  on a same-page rerun, so we read the bound widgets themselves, exactly as Streamlit writes them);
- hostile links: keys that are no setting, 100 kB values and non-finite numbers (`?seed=inf` raises
  inside 1.67's integer number_input) are dropped before any widget reads them, and the page says once
  what it ignored;
- setting a whole view at once (a lesson step): a bound parameter cannot be written through
  `st.query_params`, only through the widget's session state, in the widget's own type.
The few Streamlit internals used sit in `_bindings()` and `_forget_initial()`; tests/links cover them.
"""
from __future__ import annotations

from typing import Any

import streamlit as st

from core.lessons.links import LESSON_KEYS, Params, clean_params, make_link, shown

KEEP = ("present",)  # bound, but how the room sees a view, not part of it: a lesson step leaves it alone
_SEEN = "_links_seen"  # session flag: the link this session opened with has been checked
_ASKED = "_links_asked"  # what that link asked for, after the guard (compared once the page ran)
_RESET = "_links_reset"  # controls a link set wrongly, back to their defaults at the next run's start
_NOTES = "_links_notes"  # the notice, kept for that run
_SHOWN = "_links_shown"  # (the notice, the view it was about): shown again until the view changes


def _session():
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return None if ctx is None else ctx.session_state._state


def _bindings() -> list[tuple[str, str, str, Any]]:
    """[(key, widget id, value type, widget metadata)] for every widget bound to the URL so far."""
    state = _session()
    if state is None:
        return []
    out = []
    for key, b in list(state.query_params._bindings_by_param.items()):
        meta = state._new_widget_state.widget_metadata.get(b.widget_id)
        if meta is not None:
            out.append((key, b.widget_id, b.value_type, meta))
    return out


def _as_url(value: Any, value_type: str) -> str | list[str]:
    from streamlit.runtime.state.query_params import _coerce_value_for_query_url

    out = _coerce_value_for_query_url(value, value_type)
    return out[0] if isinstance(out, list) and len(out) == 1 else out


def view_params() -> Params:
    """The current view: every bound widget whose value is not its default, as the URL spells it."""
    state = _session()
    params: Params = {}
    for key, wid, value_type, meta in _bindings():
        try:
            value = state[wid]
            if value == meta.deserializer(None):
                continue
            params[key] = _as_url(meta.serializer(value), value_type)
        except Exception:  # a widget Streamlit has not resolved this run: it is not part of the view
            continue
    return params


def base_url(page_path: str) -> str:
    """scheme://host[/base] of this app, from the browser's own URL ("" in a test without one)."""
    url = (st.context.url or "").split("?")[0].rstrip("/")
    if page_path and url.endswith("/" + page_path):
        url = url[: -len(page_path) - 1]
    return url


def view_url(page_path: str, extra: Params | None = None) -> str:
    return make_link(page_path, {**view_params(), **(extra or {})}, base_url(page_path))


def set_view(params: Params) -> list[str]:
    """Give every widget bound so far the value `params` names (a value the widget does not offer, or
    no value: its default). Call before those widgets are drawn in this run. Returns the keys of
    `params` that no bound widget took (they belong to another page)."""
    from streamlit.runtime.state.query_params import parse_url_param

    taken = set()
    for key, _, value_type, meta in _bindings():
        if key in KEEP and key not in params:
            continue
        value = meta.deserializer(None)
        if key in params:
            try:
                parsed = parse_url_param(params[key], value_type)
                options = meta.formatted_options
                if options is None or value_type != "string_value" or parsed in options:
                    value = meta.deserializer(parsed)
                taken.add(key)
            except Exception:  # not a value of this widget: its default, like a link would get
                pass
        st.session_state[key] = value
    return [k for k in params if k not in taken]


def seed_unbound(params: Params) -> None:
    """Values for widgets not drawn yet in this session (a tab's controls that only draw when it opens):
    they read them when they first draw, as from the link the session opened with."""
    state = _session()
    if state is not None:
        for key, value in params.items():
            state.query_params._initial_query_params[key] = [value] if isinstance(value, str) else list(value)


def rewrite_initial(key: str, value: str) -> None:
    """Spell a link's parameter the way its widget reads it (`?present=1` -> `present=true`) before the widget
    first draws: in the address bar and in Streamlit's snapshot of the opening link, which is what a bound
    widget seeds from. Setting the widget's session state instead would drop the parameter from the address
    bar (Streamlit syncs a programmatic value to the URL only from the widget's second run)."""
    st.query_params[key] = value
    state = _session()
    if state is not None:
        state.query_params._initial_query_params[key] = [value]


def _forget_initial(key: str) -> None:
    """Drop a parameter from the link before any widget seeds from it (URL and Streamlit's snapshot)."""
    st.query_params.pop(key, None)
    state = _session()
    if state is not None:
        state.query_params._initial_query_params.pop(key, None)


def guard_link() -> None:
    """On a session's first run, before any widget: drop what no widget should ever read."""
    for key, value in st.session_state.pop(_RESET, {}).items():  # see report_link
        st.session_state[key] = value
    if st.session_state.get(_SEEN):
        return
    st.session_state[_SEEN] = True
    asked = {k: st.query_params.get_all(k) for k in st.query_params.keys()}
    kept, problems = clean_params({k: v for k, v in asked.items()})
    for p in problems:
        _forget_initial(p.key)
    st.session_state[_ASKED] = (kept, [f"`{shown(p.key)}` ({p.reason})" for p in problems])


def report_link(slot) -> None:
    """After the page drew its widgets: say once which parts of the opening link were not used."""
    if (notes := st.session_state.pop(_NOTES, None)) is not None:
        _say(slot, notes)
        return
    if (shown_for := st.session_state.get(_SHOWN)) is not None:
        # the notice stays while the view is the one the link opened (a rerun Streamlit starts by itself
        # must not wipe it before anyone read it) and goes with the first change
        notes, view = shown_for
        if view == view_params():
            slot.warning(_notice(notes), icon=":material/link_off:")
        else:
            del st.session_state[_SHOWN]
        return
    asked = st.session_state.pop(_ASKED, None)
    if asked is None:
        return
    kept, notes = asked
    bound = {key: (wid, value_type, meta) for key, wid, value_type, meta in _bindings()}
    now = view_params()
    state, resets = _session(), {}
    for key, value in kept.items():
        if key in LESSON_KEYS or key == "present":
            continue
        if key not in bound:
            notes.append(f"`{key}` (not a setting of this page)")
            st.query_params.pop(key, None)
            continue
        wid, value_type, meta = bound[key]
        if isinstance(value, list) and not isinstance(state[wid], (list, tuple)):
            # a repeated key for a one-value control: Streamlit takes one of them; a link that says
            # two things says nothing, so the control goes back to its default (before it draws again)
            resets[key] = meta.deserializer(None)
            notes.append(f"`{key}` (given {len(value)} times)")
            continue
        want = _norm(value)
        got = _norm(now[key]) if key in now else _norm(_as_url(meta.serializer(meta.deserializer(None)), value_type))
        if want != got:
            notes.append(f"`{key}={shown(value if isinstance(value, str) else ','.join(value), 16)}` "
                         "(not a value this control offers)")
    if resets:
        st.session_state[_RESET], st.session_state[_NOTES] = resets, notes
        st.rerun()
    _say(slot, notes)


def _notice(notes: list[str]) -> str:
    return "This link asked for settings this page cannot show, so they are at their defaults: " + ", ".join(notes) + "."


def _say(slot, notes: list[str]) -> None:
    if notes:
        slot.warning(_notice(notes), icon=":material/link_off:")
        st.session_state[_SHOWN] = (notes, view_params())


def _norm(value: str | list[str]) -> tuple:
    """A parameter's value in a form where `2`, `2.0` and `["2"]` compare equal."""
    values = [value] if isinstance(value, str) else list(value)
    out = []
    for v in values:
        try:
            out.append(float(v))
        except ValueError:
            out.append(v.strip().lower() if v.strip().lower() in ("true", "false") else v)
    return tuple(out)


def share_box(page_path: str) -> None:
    """The sidebar's "link to this view": the full URL (st.code has a copy button)."""
    url = view_url(page_path)
    with st.expander("Copy a link to this view", icon=":material/link:"):
        st.code(url, language=None, wrap_lines=True)
        st.caption("Copy it (the button in its corner) and share it: whoever opens it sees these settings. "
                   "Uploads and drawings stay on your screen.")
