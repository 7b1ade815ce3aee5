// Tests for NeuralNet.
