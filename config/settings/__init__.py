"""Settings package: `base` holds everything shared; `local`, `test` and `production` adjust it."""
