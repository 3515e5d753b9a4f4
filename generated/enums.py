from enum import Enum


class CountPrecision(str, Enum):
    EXACT = "EXACT"
    APPROXIMATE = "APPROXIMATE"
    AT_LEAST = "AT_LEAST"


class OrderDirection(str, Enum):
    ASC = "ASC"
    DESC = "DESC"


class IntegrationOrderField(str, Enum):
    TITLE = "TITLE"


class OrganizationFeature(str, Enum):
    DEALER = "DEALER"
    WHITELABEL = "WHITELABEL"


class OrganizationOrderField(str, Enum):
    TITLE = "TITLE"
