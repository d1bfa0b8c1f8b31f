// TidegatePolicy: see Package.swift for the layer map.
