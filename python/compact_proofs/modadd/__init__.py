"""Modular addition ("pizza" models): training, Fourier explanation, quadrature bound, brute force."""
