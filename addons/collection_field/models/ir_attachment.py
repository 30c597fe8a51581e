from odoo import fields, models
from odoo.exceptions import UserError

from ..tools.photo import NotAnImage, inspect_image


class IrAttachment(models.Model):
    _inherit = 'ir.attachment'

    collection_sha256 = fields.Char(string="SHA-256", readonly=True, copy=False,
                                    help="Fingerprint of a field photo, kept as evidence.")
    collection_exif_latitude = fields.Float(string="EXIF Latitude", digits=(10, 7), readonly=True, copy=False)
    collection_exif_longitude = fields.Float(string="EXIF Longitude", digits=(10, 7), readonly=True, copy=False)
    collection_exif_time = fields.Datetime(string="EXIF Time", readonly=True, copy=False,
                                           help="When the camera says the photo was taken (camera clock).")

    def _collection_field_inspect_photos(self, visits):
        """Check that these attachments are images, and record their SHA-256 and EXIF data.

        :raise UserError: naming the photo and the visit, when one is not an image
        """
        for attachment in self.sudo():
            try:
                info = inspect_image(attachment.raw)
            except NotAnImage as error:
                raise UserError(self.env._(
                    "%(name)s attached to visit %(visit)s is not an image (%(reason)s).",
                    name=attachment.name, visit=", ".join(visits.mapped('name')), reason=error)) from None
            values = {
                'collection_sha256': info['sha256'],
                'collection_exif_latitude': info['latitude'] or 0.0,
                'collection_exif_longitude': info['longitude'] or 0.0,
                'collection_exif_time': info['taken'] or False,
            }
            if len(visits) == 1 and not (attachment.res_model == visits._name and attachment.res_id == visits.id):
                values.update(res_model=visits._name, res_id=visits.id)
            attachment.write(values)
