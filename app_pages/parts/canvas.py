"""One wrapper over streamlit-drawable-canvas: draw on a picture, get back what was drawn in the picture's
own pixels (core.vision.draw.canvas does the geometry). When the component cannot load, `draw` returns
None after saying so once, and the page shows its sliders instead.

    d = canvas.draw("mae_paint", mode="freedraw", background=rgb, width=448)
    if d is None: ...sliders...            # no canvas on this server
    d.rects / d.points / d.image           # image pixels; image = the canvas's RGBA at canvas size
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from core.vision.draw.canvas import Scale, points, rects

MODES = {"draw": "freedraw", "rect": "rect", "point": "point", "labelled": "labeled_rect"}


@dataclass
class Drawing:
    json: dict  # the canvas's Fabric.js objects (canvas pixels)
    image: np.ndarray | None  # uint8[h, w, 4] the canvas as drawn (freedraw), at canvas size
    scale: Scale  # canvas -> image pixels
    rects: np.ndarray  # float[N, 4] xyxy in image pixels
    points: np.ndarray  # float[N, 2] (x, y) in image pixels

    @property
    def empty(self) -> bool:
        return not (self.json or {}).get("objects")


def _component():
    """The canvas function, or the reason it is missing (imported here only: outside a running
    Streamlit script the package raises at import time)."""
    try:
        from streamlit_drawable_canvas import st_canvas

        return st_canvas, None
    except Exception as e:  # noqa: BLE001 (not installed, or the components API refused it)
        return None, f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"


def available() -> bool:
    return _component()[0] is not None


def _say_missing_once(why: str) -> None:
    if not st.session_state.get("_canvas_missing_said"):
        st.session_state["_canvas_missing_said"] = True
        st.info(f"Drawing is not available on this server ({why}); the sliders below do the same job.")


def draw(key: str, *, mode: str = "rect", background: np.ndarray | None = None, width: int = 448,
         height: int | None = None, stroke: str = "#ff4b4b", stroke_width: int = 3, fill: str = "rgba(255, 75, 75, 0.15)",
         background_color: str = "", initial: dict | None = None, image_data: bool = False,
         label: str = "", link_note: bool = True) -> Drawing | None:
    """A canvas `width` pixels wide over `background` (uint8[H, W, 3], stretched to the canvas; the height
    follows its aspect unless given). mode: "draw" (free brush), "rect", "point" or "labelled" (boxes stamped
    with `label`). None when unavailable."""
    st_canvas, why = _component()
    if st_canvas is None:
        _say_missing_once(why)
        return None
    from PIL import Image

    bg = None
    if background is not None:
        a = np.asarray(background)
        ih, iw = a.shape[:2]
        height = height or max(1, round(width * ih / iw))
        bg = Image.fromarray(a[..., :3].astype(np.uint8))
        image_wh = (iw, ih)
    else:
        height = height or width
        image_wh = (width, height)
    res = st_canvas(fill_color=fill, stroke_width=stroke_width, stroke_color=stroke, background_color=background_color,
                    background_image=bg, height=height, width=width, drawing_mode=MODES[mode],
                    initial_drawing=initial, return_image_data=image_data, key=key, point_display_radius=5,
                    **({"label": label, "font_size": 14} if mode == "labelled" else {}))
    js = res.json_data or {"objects": []}
    if link_note and len(js.get("objects", [])) > len((initial or {}).get("objects", [])):  # more than the default
        st.caption(":material/link_off: Your drawing is not in the link: a shared link opens on an empty canvas.")
    scale = Scale.fit((width, height), image_wh)
    img = res.image_data if image_data else None
    return Drawing(js, img, scale, rects(js, scale), points(js, scale))


def box_input(key: str, image: np.ndarray, default: tuple[float, float, float, float], *, zoom: int = 1,
              width: int | None = None, spatial_scale: float = 1.0, stroke: str = "#ff4b4b",
              caption: str = "Drag a box on the picture."):
    """A canvas over `image` (uint8[H, W, 3], shown `zoom` times larger with nearest neighbour, or stretched
    to `width`) starting with the `default` box in image pixels; the last box drawn is the result, in image
    pixels and on the feature map (core.vision.draw.canvas.DrawnBox). None when the canvas cannot load."""
    from core.vision.draw.canvas import last_box, rect_drawing

    img = np.asarray(image)
    h, w = img.shape[:2]
    shown = np.repeat(np.repeat(img, zoom, 0), zoom, 1) if zoom > 1 else img
    width = width or w * zoom
    height = max(1, round(width * h / w))
    d = draw(key, mode="rect", background=shown, width=width, height=height, stroke=stroke,
             initial=rect_drawing(np.asarray([default]), Scale.fit((width, height), (w, h)), stroke=stroke))
    if d is None:
        return None
    st.caption(caption + " The last box drawn counts; the bin icon above the picture starts again.")
    scale = Scale.fit((width, height), (w, h))  # canvas -> the image's own pixels (not the zoomed ones)
    res = last_box(d.json, scale, w, h, spatial_scale)
    if res.note:
        (st.info if res.box is None else st.caption)(res.note)
    return res


def new_click(key: str, image: np.ndarray, *, zoom: int = 2, caption: str = "Click on the picture.") -> np.ndarray | None:
    """A point-mode canvas over `image`: the point (x, y) in image pixels when the student has just clicked,
    else None (an old click is reported once, so the page's sliders stay free to move afterwards).
    Call it before the widgets it sets, and set their st.session_state values from the point."""
    img = np.asarray(image)
    h, w = img.shape[:2]
    shown = np.repeat(np.repeat(img, zoom, 0), zoom, 1) if zoom > 1 else img
    width = min(w * zoom, 512)  # a large photo is shown smaller; points still come back in its pixels
    d = draw(key, mode="point", background=shown, width=width, height=max(1, round(width * h / w)), stroke="#ffffff",
             fill="#ff4b4b", stroke_width=2, link_note=False)  # the click lands in the sliders, which are in the link
    if d is None:
        return None
    st.caption(caption + " (The strip under the toolbar does not take clicks.)")
    pts = d.points / zoom  # d.points are in the shown (zoomed) picture's pixels
    if len(pts) == 0:
        return None
    seen = (len(pts), tuple(np.round(pts[-1], 2)))
    if st.session_state.get(f"{key}_seen") == seen:
        return None
    st.session_state[f"{key}_seen"] = seen
    return pts[-1]
