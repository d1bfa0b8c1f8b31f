// TidegateHTTP1: see Package.swift for the layer map.
