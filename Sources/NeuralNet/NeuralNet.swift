// Module NeuralNet: see README.md.
