"""Links and lessons: a view as a link, and a lesson as an ordered list of views with their sentences."""
