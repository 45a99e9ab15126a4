"""Linear regression: the normal equation as a projection, solved well, on your own data, against gradient descent.
One module per tab beside this file; the sidebar's data (the first tab's) is made here."""
import streamlit as st

from app_pages.linear_regression import cost_growth, descent, one_feature, projection, solving
from app_pages.parts import ui
from core.learn import linreg

st.title("Linear regression")
st.markdown("Fit $y \\approx Xw$ two ways. The **normal equation** $X^\\top X\\,w = X^\\top y$ jumps straight to the "
            "minimum of the squared error; **gradient descent** walks downhill, "
            "$w \\leftarrow w - \\eta \\cdot \\frac{1}{n} X^\\top (Xw - y)$.")
tab_line, tab_proj, tab_data, tab_gd, tab_cost = st.tabs(
    ["One feature, two ways", "Projection", "Your data: solving it well", "Gradient descent on your data",
     "Cost as the problem grows"], key="lin_tab", bind="query-params")

with st.sidebar.expander("Data (first tab)", expanded=True):
    n = st.slider("Points", 5, 500, 50, key="lin_n", bind="query-params")
    noise = st.slider("Noise", 0.0, 3.0, 0.5, 0.1, key="lin_noise", bind="query-params")
    slope = st.slider("True slope", -3.0, 3.0, 2.0, 0.1, key="lin_slope", bind="query-params")
    intercept = st.slider("True intercept", -3.0, 3.0, -1.0, 0.1, key="lin_intercept", bind="query-params")

data = linreg.make_data(n=n, slope=slope, intercept=intercept, noise=noise, seed=ui.seed())
X = linreg.design_matrix(data.x)
w_star = linreg.normal_equation(X, data.y)
bound = linreg.max_stable_lr(X)

with tab_line:
    one_feature.render(data, X, w_star, bound)
with tab_proj:
    projection.render()
with tab_data:
    dataset = solving.render()
with tab_gd:
    descent.render(dataset)
with tab_cost:
    cost_growth.render()
