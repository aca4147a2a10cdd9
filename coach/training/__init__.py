"""Training the learned heads (`coach train tone|emotion`). Train-time only: needs scikit-learn (the `train`
extra) and is never imported by analysis, the API or the CLI's other commands."""
