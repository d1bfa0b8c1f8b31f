import TidegateJSON

/// How the image checks read a container's `image` field.
enum ContainerImage {
    /// What the `image` field holds, as far as the image checks are concerned.
    enum Reading {
        /// No `image` field, or `null` (the API server reads both as unset). Pods cannot pass
        /// API validation without one; pod templates may leave it for a later step, and the
        /// pods made from them are reviewed again. An empty string is different: the API
        /// server never sends one (it omits empty images), so in a manifest it is a mistake,
        /// typically a template value that was never filled in, and is reported as invalid.
        case absent
        /// Present but unusable: not a string, or not a valid reference.
        case invalid(String)
        case valid(ImageReference)
    }

    static func path(of container: ContainerView) -> JSONPointer { container.path / "image" }

    /// The reading taken once when the pod was loaded: five checks look at the same image.
    static func read(_ container: ContainerView) -> Reading { container.image }

    static func read(body: JSONObject) -> Reading {
        guard let field = body["image"], !field.isNull else { return .absent }
        guard let text = field.stringValue else {
            return .invalid("image must be a string, not \(field.typeName)")
        }
        do {
            return .valid(try ImageReference.parse(text))
        } catch {
            return .invalid("image \(quotedExcerpt(text)) is not a valid image reference: \(error.reason)")
        }
    }

    /// The parsed image, or nil when it is absent or invalid: invalid images are reported only
    /// by `images.invalidReference`, so every other image check skips them.
    static func valid(_ container: ContainerView) -> ImageReference? {
        if case .valid(let reference) = read(container) { return reference }
        return nil
    }

    /// The fix operation for a new image. The field was just read, so it exists and a plain
    /// `replace` applies; building it directly also keeps the array indices of the container
    /// path intact.
    static func replace(_ path: JSONPointer, with image: String) -> [PatchOperation] {
        [.replace(path, .string(image))]
    }

    /// The image as written, quoted and cut short for messages.
    static func quoted(_ image: ImageReference) -> String { quotedExcerpt(image.familiar) }
}
