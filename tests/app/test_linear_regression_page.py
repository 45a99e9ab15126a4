from tests.app.helpers import charts, page


def test_page_shows_fits_surface_and_curve():
    at = page("app_pages/linear_regression.py").run()
    assert not at.exception
    assert len(charts(at)) == 3
    labels = [m.label for m in at.metric]
    assert labels[0] == "Normal equation w"
    assert not at.warning  # the default learning rate is stable


def test_too_large_learning_rate_warns_and_still_renders():
    at = page("app_pages/linear_regression.py").run()
    at.select_slider(key="lr_eta").set_value(1.5).run()
    assert not at.exception
    assert "overshoots" in at.warning[0].value
    at.slider(key="lr_n").set_value(5).run()
    at.slider(key="lr_replay").set_value(0).run()
    assert not at.exception and len(charts(at)) == 3
