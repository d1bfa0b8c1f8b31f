// TidegateHTTP2: see Package.swift for the layer map.
