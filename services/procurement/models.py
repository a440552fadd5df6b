"""Every procurement table, imported so that the metadata is complete (migrations, tests)."""

from services.procurement.bid.models import Bid
from services.procurement.call_off.models import CallOff, Clarification, Invitation
from services.procurement.contract.models import Contract
from services.procurement.database import Base
from services.procurement.freedom.models import PctFreedom
from services.procurement.history.models import Change
from services.procurement.ocds.models import OcdsChange
from services.procurement.payment.models import Payment
from services.procurement.recommendation.models import PctRating, Recommendation
from services.procurement.request.models import ProcurementRequest
from services.procurement.signoff.models import Signoff
from services.procurement.supplier.models import Supplier

metadata = Base.metadata

__all__ = ["Bid", "CallOff", "Change", "Clarification", "Contract", "Invitation",
           "OcdsChange", "Payment", "PctFreedom", "PctRating", "ProcurementRequest",
           "Recommendation", "Signoff", "Supplier", "metadata"]
