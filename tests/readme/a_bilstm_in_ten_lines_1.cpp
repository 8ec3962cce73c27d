// The block is whole; afterwards, the gradients it asked for are there.
void run() {
  // README: block
  readme::expect(!dx.isZero(0), "dL/dx came back zero");
  readme::expect(!grads.flat().isZero(0), "the parameters' gradients came back zero");
}
