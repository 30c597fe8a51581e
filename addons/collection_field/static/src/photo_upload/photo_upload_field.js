import { registry } from "@web/core/registry";
import { FileInput } from "@web/core/file_input/file_input";
import {
    Many2ManyBinaryField,
    many2ManyBinaryField,
} from "@web/views/fields/many2many_binary/many2many_binary_field";

/** A file input that asks a phone for its back camera (`capture="environment"`). */
export class CameraFileInput extends FileInput {
    static template = "collection_field.CameraFileInput";
}

/** The visit's photos: images only, the phone opens its camera to take them. */
export class PhotoUploadField extends Many2ManyBinaryField {
    static components = { ...Many2ManyBinaryField.components, FileInput: CameraFileInput };
}

export const photoUploadField = {
    ...many2ManyBinaryField,
    component: PhotoUploadField,
    extractProps(fieldInfo, dynamicInfo) {
        return {
            ...many2ManyBinaryField.extractProps(fieldInfo, dynamicInfo),
            acceptedFileExtensions: "image/*",
        };
    },
};

registry.category("fields").add("collection_field_photos", photoUploadField);
