// TidegateTransport: see Package.swift for the layer map.
