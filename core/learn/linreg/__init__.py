"""Linear regression, from the notes' normal equation to the cost of each method.

data.py              the noisy line, d generated features (collinearity knob), CSV parsing with clear errors
solve.py             the project's solver (QR of [X | y], minimum norm when collinear) and the solvers compared
projection.py        least squares as a projection: p = A x̂, e ⟂ columns, P = A(AᵀA)⁻¹Aᵀ
gradient_descent.py  KeyPoint's loop-style gradientDescent, the vectorised stepper, one step written out, the stable rate
cost.py              time of the normal equation vs gradient descent as n and d grow
"""
from core.learn.linreg.data import (LineData, Dataset, add_bias, dataset_from_frame, design_matrix, load_csv,
                                    make_data, make_features, read_csv, sample_csv)
from core.learn.linreg.gradient_descent import (GDStep, GradientStep, computeCost, curvatures, gradient_descent,
                                                gradient_descent_notes, loss, loss_surface, max_stable_lr, one_step,
                                                one_step_latex, run_gradient_descent, NotesComparison,
                                                compare_with_notes)
from core.learn.linreg.projection import Projection, project, project_onto_line, projection_matrix
from core.learn.linreg.solve import Fit, SolverReport, compare_solvers, condition_sweep, fit, normal_equation

__all__ = [
    "LineData", "Dataset", "add_bias", "dataset_from_frame", "design_matrix", "load_csv", "make_data",
    "make_features", "read_csv", "sample_csv", "GDStep", "GradientStep", "computeCost", "curvatures", "gradient_descent",
    "gradient_descent_notes", "loss", "loss_surface", "max_stable_lr", "one_step", "run_gradient_descent",
    "one_step_latex", "NotesComparison", "compare_with_notes",
    "Projection", "project", "project_onto_line", "projection_matrix", "Fit", "SolverReport", "compare_solvers",
    "condition_sweep", "fit", "normal_equation",
]
