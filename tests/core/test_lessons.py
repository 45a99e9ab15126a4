"""Links and lessons as data (core/lessons): hostile parameters are dropped with a reason, links
round-trip, a teacher's lesson file loads its good lines and names its bad ones, and every
built-in lesson is well-formed."""
from core.catalog import TOPICS, slug
from core.lessons.builtin import LESSONS
from core.lessons.lesson import MAX_FILE_BYTES, lesson_text, parse_lesson_text, step
from core.lessons.links import PAGES, clean_params, make_link, parse_link, shown


def _dropped(params, known=None):
    kept, problems = clean_params(params, known)
    return kept, {p.key: p.reason for p in problems}


def test_hostile_parameters_are_dropped_with_a_reason_and_good_ones_kept():
    kept, dropped = _dropped({
        "att_layer": "3", "att_temp": "0.25", "det_models": ["yolox-nano", "ssdlite320"], "att_prompt": "x" * 999,
        "seed": "1e400", "a": "inf", "b": "-Infinity", "c": "nan", "d": "1e13", "e": "x" * 100_000,
        "f": "a\x00b", "g": [str(i) for i in range(65)], "<script>": "1", "__proto__": "x", "a b": "1", "k" * 41: "1",
    })
    assert kept == {"att_layer": "3", "att_temp": "0.25", "det_models": ["yolox-nano", "ssdlite320"],
                    "att_prompt": "x" * 999}
    assert set(dropped) == {"seed", "a", "b", "c", "d", "e", "f", "g", "<script>", "__proto__", "a b", "k" * 41}
    assert dropped["seed"] == "not a usable number" and "100,000 characters" in dropped["e"]
    assert dropped["<script>"] == "not a setting of KeyPoint"
    # text that merely looks odd is the widget's business, not ours: it is kept
    assert _dropped({"dec_text": "<script>alert(1)</script>", "x": "0x10", "y": "-3"})[1] == {}


def test_known_keys_restrict_what_a_link_may_set():
    kept, dropped = _dropped({"att_layer": "2", "det_score": "0.5"}, known={"att_layer"})
    assert kept == {"att_layer": "2"} and dropped == {"det_score": "not a setting of this page"}


def test_shown_makes_any_text_safe_to_print():
    assert shown("`rm -rf`\n<b>") == "rm -rf b"
    assert len(shown("k" * 500)) == 24 and shown("k" * 500).endswith("…")


def test_links_round_trip_and_name_only_keypoint_pages():
    assert set(PAGES) >= {slug(t) for t in TOPICS}
    for base in ("", "https://keypoint.streamlit.app", "http://localhost:8501/sub"):
        url = make_link("attention", {"att_tab": "Mask & temperature", "att_temp": "0.2", "m": ["a", "b"]}, base)
        assert url.startswith(f"{base}/attention?att_tab=Mask+%26+temperature")
        assert parse_link(url) == ("attention", {"att_tab": "Mask & temperature", "att_temp": "0.2", "m": ["a", "b"]})
    assert parse_link("decoding") == ("decoding", {})
    assert parse_link("/") == ("", {})
    for bad, why in [("", "empty"), ("evil?x=1", "not a page of KeyPoint"), ("x" * 9000, "characters")]:
        try:
            parse_link(bad)
        except ValueError as e:
            assert why in str(e)
        else:
            raise AssertionError(bad)


def test_a_lesson_file_with_bad_lines_loads_the_good_ones():
    text = "\n".join([
        "# title: My attention class",
        "attention?att_layer=1  Layer one.",
        "",
        "   # a comment",
        "nowhere?x=1  A page that does not exist.",
        "attention?att_temp=0.5",  # no sentence
        "https://keypoint.streamlit.app/decoding?dec_k=2&lesson=x&step=9  Beam width two, from a full URL.",
        "attention?seed=inf&att_temp=3  A bad value is dropped, the step stays.",
    ])
    parsed = parse_lesson_text(text.encode())
    assert parsed.lesson.title == "My attention class"
    assert [(s.page, s.params) for s in parsed.lesson.steps] == [
        ("attention", {"att_layer": "1"}), ("decoding", {"dec_k": "2"}), ("attention", {"att_temp": "3"})]
    assert parsed.lesson.steps[1].text == "Beam width two, from a full URL."
    assert "seed" in parsed.lesson.steps[2].note and not parsed.lesson.steps[0].note
    assert len(parsed.errors) == 2
    assert parsed.errors[0].startswith("line 5:") and "not a page of KeyPoint" in parsed.errors[0]
    assert parsed.errors[1].startswith("line 6:") and "no sentence" in parsed.errors[1]


def test_a_hostile_lesson_file_gives_messages_not_exceptions():
    assert "not UTF-8" in parse_lesson_text(b"attention \xff\xfe bad").errors[0]
    assert "limit" in parse_lesson_text(b"x" * (MAX_FILE_BYTES + 1)).errors[0]
    assert parse_lesson_text("").errors == ["no steps: write one link and its sentence per line"]
    many = parse_lesson_text("\n".join(f"attention?att_layer=1 Step {i}." for i in range(150)))
    assert len(many.lesson.steps) == 100 and "more than 100 steps" in many.errors[0]


def test_every_built_in_lesson_is_well_formed_and_round_trips_as_a_file():
    assert len(LESSONS) >= 8  # one per chapter
    for key, lesson in LESSONS.items():
        assert 4 <= len(lesson.steps) <= 10, key
        assert all(s.page in PAGES and s.text and not s.note for s in lesson.steps), key
        again = parse_lesson_text(lesson_text(lesson), key=key)
        assert not again.errors and again.lesson == lesson
        link = lesson.steps[1].link(key, 2, "http://h")
        assert parse_link(link)[1]["lesson"] == key and step(link, "x").params == lesson.steps[1].params
