"""Word lists and reference tables the synthetic world is drawn from; data only, no logic."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

IndustryKind = Literal["saas", "b2b", "consumer"]


@dataclass(frozen=True, slots=True)
class IndustrySpec:
    """One industry: how often it occurs, how its companies are named, described and priced."""

    name: str
    kind: IndustryKind
    weight: float
    name_words: tuple[str, ...]
    specialties: tuple[str, ...]
    what: tuple[str, ...]  # "{spec}" is replaced by a specialty, lower-cased
    audience: tuple[str, ...]
    revenue_per_employee: int  # USD a year
    avg_ticket: tuple[int, int] = (0, 0)  # USD per card transaction, consumer industries only


# The world's clock: every date is relative to this day, never to the real one, so answers do not drift.
AS_OF = date(2026, 11, 1)

# Tables are laid out by hand, several entries a line; the formatter would put each on its own line.
# fmt: off
INDUSTRIES: tuple[IndustrySpec, ...] = (
    IndustrySpec(
        "Computer Software", "saas", 11,
        ("Software", "Labs", "Systems", "Cloud", "Apps", "Technologies", "AI", "HQ"),
        ("Workflow Automation", "Project Management", "Developer Tools", "Data Integration",
         "Document Management", "API Management", "Low-Code Platforms", "Scheduling", "Collaboration"),
        ("builds {spec} software for fast-growing teams", "makes {spec} simple for modern businesses"),
        ("mid-market companies", "engineering teams", "enterprises worldwide", "small businesses"),
        220_000,
    ),
    IndustrySpec(
        "Information Technology and Services", "b2b", 8,
        ("Technologies", "IT", "Solutions", "Systems", "Digital", "Consulting"),
        ("Managed Services", "Cloud Migration", "IT Consulting", "Systems Integration", "Help Desk Support",
         "Network Infrastructure", "Digital Transformation"),
        ("delivers {spec} for growing organizations", "provides {spec} and round-the-clock support"),
        ("regional businesses", "public sector agencies", "mid-market companies"),
        150_000,
    ),
    IndustrySpec(
        "Internet", "saas", 5,
        ("Online", "Digital", "Web", "Networks", "Media", "App"),
        ("Marketplaces", "Online Communities", "Search", "Content Platforms", "Creator Tools", "Web Hosting"),
        ("runs {spec} used by millions of people", "operates {spec} for creators and brands"),
        ("creators", "online businesses", "consumers and brands"),
        260_000,
    ),
    IndustrySpec(
        "Computer and Network Security", "saas", 4,
        ("Security", "Defense", "Shield", "Cyber", "Guard", "Secure"),
        ("Endpoint Security", "Identity and Access Management", "Threat Intelligence", "Cloud Security",
         "Penetration Testing", "Security Awareness Training", "Zero Trust"),
        ("protects organizations with {spec}", "builds {spec} for security teams"),
        ("security teams", "regulated industries", "enterprises worldwide"),
        240_000,
    ),
    IndustrySpec(
        "Financial Services", "saas", 5,
        ("Financial", "Capital", "Pay", "Money", "Finance", "Wealth"),
        ("Payments", "Expense Management", "Accounts Payable Automation", "Lending", "Wealth Management",
         "Treasury Management", "Fraud Prevention"),
        ("offers {spec} for businesses of every size", "modernizes {spec} for finance teams"),
        ("finance teams", "small businesses", "banks and credit unions"),
        300_000,
    ),
    IndustrySpec(
        "Insurance", "b2b", 3,
        ("Insurance", "Assurance", "Underwriters", "Risk", "Mutual", "Cover"),
        ("Commercial Insurance", "Cyber Insurance", "Claims Management", "Benefits Administration",
         "Insurance Brokerage", "Risk Assessment"),
        ("provides {spec} with fast, fair claims", "specializes in {spec} for growing companies"),
        ("small businesses", "families", "commercial clients"),
        280_000,
    ),
    IndustrySpec(
        "Hospital and Health Care", "b2b", 5,
        ("Health", "Care", "Medical", "Clinic", "Wellness", "Health Partners"),
        ("Telehealth", "Primary Care", "Behavioral Health", "Care Coordination", "Patient Engagement",
         "Home Health", "Revenue Cycle Management"),
        ("provides {spec} that puts patients first", "helps providers deliver better {spec}"),
        ("patients", "health systems", "independent practices"),
        120_000,
    ),
    IndustrySpec(
        "Medical Devices", "b2b", 2,
        ("Medical", "Devices", "Surgical", "Diagnostics", "Bio", "Instruments"),
        ("Diagnostic Imaging", "Surgical Instruments", "Wearable Monitoring", "Orthopedic Implants",
         "Point-of-Care Testing"),
        ("designs and manufactures {spec}", "develops {spec} for clinicians"),
        ("hospitals", "clinicians", "outpatient centers"),
        250_000,
    ),
    IndustrySpec(
        "Pharmaceuticals", "b2b", 2,
        ("Therapeutics", "Pharma", "Bio", "Biosciences", "Life Sciences", "Rx"),
        ("Drug Discovery", "Clinical Trials", "Oncology", "Rare Diseases", "Biologics", "Gene Therapy"),
        ("develops therapies through {spec}", "advances {spec} for unmet medical needs"),
        ("patients", "research partners", "healthcare providers"),
        400_000,
    ),
    IndustrySpec(
        "Marketing and Advertising", "b2b", 6,
        ("Media", "Marketing", "Creative", "Digital", "Agency", "Studio"),
        ("Performance Marketing", "Brand Strategy", "Content Marketing", "Paid Social", "SEO",
         "Influencer Marketing", "Demand Generation"),
        ("is an agency focused on {spec}", "helps brands grow through {spec}"),
        ("consumer brands", "B2B companies", "startups"),
        130_000,
    ),
    IndustrySpec(
        "Staffing and Recruiting", "b2b", 3,
        ("Talent", "Staffing", "Recruiting", "People", "Search", "Partners"),
        ("Technical Recruiting", "Executive Search", "Contract Staffing", "Recruitment Process Outsourcing",
         "Healthcare Staffing"),
        ("connects employers with talent through {spec}", "specializes in {spec}"),
        ("hiring managers", "growing companies", "healthcare employers"),
        110_000,
    ),
    IndustrySpec(
        "Management Consulting", "b2b", 4,
        ("Consulting", "Advisors", "Partners", "Group", "Strategy", "Advisory"),
        ("Strategy Consulting", "Operations Improvement", "Change Management", "Mergers and Acquisitions",
         "Pricing Strategy", "Supply Chain Consulting"),
        ("advises leadership teams on {spec}", "is a consultancy specializing in {spec}"),
        ("Fortune 1000 companies", "private equity firms", "family-owned businesses"),
        200_000,
    ),
    IndustrySpec(
        "Real Estate", "b2b", 3,
        ("Properties", "Realty", "Real Estate", "Estates", "Living", "Homes"),
        ("Commercial Real Estate", "Property Management", "Residential Brokerage", "Real Estate Investment",
         "Coworking Spaces"),
        ("focuses on {spec} in growing markets", "provides {spec} for owners and tenants"),
        ("investors", "tenants", "homebuyers"),
        180_000,
    ),
    IndustrySpec(
        "Construction", "b2b", 3,
        ("Construction", "Builders", "Contracting", "Build", "Structures", "Engineering"),
        ("General Contracting", "Design-Build", "Commercial Construction", "Renovation", "Civil Engineering"),
        ("delivers {spec} projects on time and on budget", "is a contractor specializing in {spec}"),
        ("developers", "municipalities", "commercial clients"),
        170_000,
    ),
    IndustrySpec(
        "Logistics and Supply Chain", "b2b", 3,
        ("Logistics", "Freight", "Supply", "Transport", "Shipping", "Fulfillment"),
        ("Freight Forwarding", "Last-Mile Delivery", "Warehousing", "Fleet Management", "Cold Chain",
         "Order Fulfillment"),
        ("moves goods with {spec}", "provides {spec} across North America and Europe"),
        ("shippers", "ecommerce brands", "manufacturers"),
        160_000,
    ),
    IndustrySpec(
        "Automotive", "b2b", 2,
        ("Motors", "Automotive", "Mobility", "Auto", "Drive", "EV"),
        ("Electric Vehicles", "Fleet Telematics", "Auto Parts", "Dealership Software", "Vehicle Charging"),
        ("is building the future of {spec}", "supplies {spec} to automakers and fleets"),
        ("fleet operators", "drivers", "automakers"),
        230_000,
    ),
    IndustrySpec(
        "Retail", "consumer", 5,
        ("Market", "Goods", "Store", "Shop", "Supply", "Co"),
        ("Home Goods", "Outdoor Gear", "Pet Supplies", "Specialty Retail", "Kitchenware", "Gifts"),
        ("sells {spec} online and in stores", "is a retailer of thoughtfully made {spec}"),
        ("shoppers across the country", "families", "everyday customers"),
        140_000, (30, 120),
    ),
    IndustrySpec(
        "Apparel and Fashion", "consumer", 4,
        ("Apparel", "Clothing", "Wear", "Studio", "Threads", "Collective"),
        ("Sustainable Fashion", "Activewear", "Footwear", "Denim", "Accessories", "Outerwear"),
        ("designs {spec} made to last", "is a direct-to-consumer brand for {spec}"),
        ("style-conscious shoppers", "athletes", "modern families"),
        160_000, (60, 150),
    ),
    IndustrySpec(
        "Consumer Goods", "consumer", 3,
        ("Brands", "Goods", "Products", "Co", "Essentials", "Home"),
        ("Personal Care", "Household Essentials", "Baby Products", "Home Fragrance", "Eco-Friendly Cleaning"),
        ("makes {spec} people love to use", "creates {spec} for everyday life"),
        ("households", "parents", "conscious consumers"),
        210_000, (25, 70),
    ),
    IndustrySpec(
        "Food and Beverages", "consumer", 4,
        ("Foods", "Kitchen", "Provisions", "Beverage", "Coffee", "Farms"),
        ("Specialty Coffee", "Plant-Based Foods", "Craft Beverages", "Snacks", "Meal Kits",
         "Organic Produce"),
        ("makes {spec} with simple ingredients", "crafts {spec} sold nationwide"),
        ("grocery shoppers", "cafes and restaurants", "health-minded eaters"),
        190_000, (10, 40),
    ),
    IndustrySpec(
        "Restaurants", "consumer", 3,
        ("Kitchen", "Grill", "Eatery", "Cafe", "Burger", "Tacos"),
        ("Fast Casual Dining", "Catering", "Coffee Shops", "Pizza", "Healthy Bowls"),
        ("operates {spec} restaurants", "serves {spec} in neighborhoods across the region"),
        ("local diners", "families", "office workers"),
        70_000, (15, 45),
    ),
    IndustrySpec(
        "Cosmetics", "consumer", 2,
        ("Beauty", "Cosmetics", "Skin", "Glow", "Botanicals", "Labs"),
        ("Clean Beauty", "Skincare", "Haircare", "Fragrance", "Makeup"),
        ("creates {spec} products backed by science", "is a {spec} brand with a cult following"),
        ("beauty enthusiasts", "dermatologists", "everyday shoppers"),
        230_000, (35, 80),
    ),
    IndustrySpec(
        "Sporting Goods", "consumer", 2,
        ("Sports", "Outdoors", "Athletics", "Gear", "Fitness", "Trail"),
        ("Cycling", "Camping Equipment", "Fitness Equipment", "Running Gear", "Water Sports"),
        ("designs {spec} for every adventure", "makes {spec} tested by athletes"),
        ("outdoor enthusiasts", "athletes", "weekend warriors"),
        200_000, (50, 150),
    ),
    IndustrySpec(
        "Hospitality", "consumer", 2,
        ("Hotels", "Hospitality", "Stays", "Resorts", "Inn", "Lodging"),
        ("Boutique Hotels", "Vacation Rentals", "Event Venues", "Resorts"),
        ("operates {spec} in top destinations", "runs {spec} with thoughtful service"),
        ("travelers", "event planners", "business travelers"),
        90_000, (150, 400),
    ),
    IndustrySpec(
        "E-Learning", "saas", 3,
        ("Learning", "Academy", "Education", "Edu", "Courses", "Learn"),
        ("Online Courses", "Corporate Training", "Tutoring", "Learning Management Systems",
         "Language Learning"),
        ("offers {spec} for lifelong learners", "builds {spec} for schools and companies"),
        ("students", "L&D teams", "schools and universities"),
        150_000,
    ),
    IndustrySpec(
        "Telecommunications", "b2b", 2,
        ("Telecom", "Networks", "Connect", "Communications", "Wireless", "Fiber"),
        ("Fiber Broadband", "Unified Communications", "VoIP", "IoT Connectivity", "Cloud Contact Center"),
        ("provides {spec} to businesses and homes", "builds {spec} infrastructure"),
        ("businesses", "households", "carriers"),
        350_000,
    ),
    IndustrySpec(
        "Renewables and Environment", "b2b", 2,
        ("Energy", "Solar", "Power", "Renewables", "Climate", "Green"),
        ("Solar Installation", "Energy Storage", "Carbon Accounting", "EV Charging", "Energy Efficiency"),
        ("accelerates the energy transition with {spec}", "provides {spec} for homes and businesses"),
        ("homeowners", "utilities", "commercial property owners"),
        260_000,
    ),
)

# Two words glued together make a company's base name ("Bright" + "path" -> "Brightpath").
NAME_PREFIXES: tuple[str, ...] = (
    "Bright", "Blue", "Clear", "North", "Summit", "Silver", "Iron", "Red", "Green", "Open", "True", "Swift",
    "Deep", "High", "Cloud", "Stone", "Sun", "Star", "Oak", "Pine", "Cedar", "River", "Lake", "Harbor",
    "Bay", "Peak", "Core", "Prime", "Nova", "Astra", "Terra", "Aero", "Flux", "Zen", "Hyper", "Quant",
    "Signal", "Pulse", "Spark", "Bold", "Keen", "Wise", "Fair", "Well", "Good", "Next", "Ever", "West",
    "East", "South", "Arc", "Atlas", "Beacon", "Cobalt", "Crimson", "Golden", "Indigo", "Jade", "Lumen",
    "Maple", "Onyx", "Orbit", "Polar", "Radiant", "Sage", "Scarlet", "Solar", "Tidal", "Ultra", "Velvet",
    "Vivid", "Willow", "Amber", "Copper", "Granite", "Hollow", "Falcon", "Fox", "Wolf", "Raven",
)
NAME_ROOTS: tuple[str, ...] = (
    "path", "stone", "wave", "field", "bridge", "light", "point", "line", "works", "gate", "ridge", "view",
    "scale", "leaf", "forge", "mark", "loop", "stack", "flow", "base", "craft", "grid", "way", "wind",
    "brook", "crest", "haven", "vale", "wood", "yard", "dock", "hub", "lane", "port", "shore", "spring",
    "stream", "tree", "wing", "bloom", "bit", "cast", "desk", "dash", "frame", "glow", "hive", "key",
    "lens", "link", "logic", "mind", "nest", "note", "pod", "rise", "root", "sail", "seed", "shift",
    "sight", "sky", "tide", "track", "vault", "verse", "vine", "vista", "ward", "mill",
)

# Top-level domains by weight; country domains are used only for companies of that country.
GENERIC_TLDS: tuple[tuple[str, float], ...] = (("com", 0.74), ("io", 0.1), ("co", 0.08), ("ai", 0.08))
COUNTRY_TLDS: dict[str, str] = {"GB": "co.uk", "DE": "de", "FR": "fr", "NL": "nl", "AU": "com.au"}

# (country, weight, calling code, national number length, mobile prefix)
COUNTRIES: tuple[tuple[str, float, str, int, str], ...] = (
    ("US", 58, "1", 10, ""), ("GB", 8, "44", 10, "7"), ("DE", 5, "49", 11, "15"), ("CA", 5, "1", 10, ""),
    ("FR", 4, "33", 9, "6"), ("IN", 4, "91", 10, "9"), ("AU", 3, "61", 9, "4"), ("NL", 3, "31", 9, "6"),
    ("ES", 2, "34", 9, "6"), ("SE", 2, "46", 9, "7"), ("BR", 1.5, "55", 11, "9"), ("IE", 1.5, "353", 9, "8"),
    ("SG", 1, "65", 8, "9"), ("IL", 1, "972", 9, "5"), ("CH", 1, "41", 9, "7"), ("DK", 0.5, "45", 8, "2"),
    ("JP", 0.5, "81", 10, "90"),
)

# (city, state or None, landline area prefix) per country.
CITIES: dict[str, tuple[tuple[str, str | None, str], ...]] = {
    "US": (
        ("San Francisco", "CA", "415"), ("New York", "NY", "212"), ("Austin", "TX", "512"),
        ("Boston", "MA", "617"), ("Seattle", "WA", "206"), ("Chicago", "IL", "312"), ("Denver", "CO", "303"),
        ("Los Angeles", "CA", "213"), ("Atlanta", "GA", "404"), ("Miami", "FL", "305"),
        ("Salt Lake City", "UT", "801"), ("Raleigh", "NC", "919"), ("Nashville", "TN", "615"),
        ("Portland", "OR", "503"), ("San Diego", "CA", "619"), ("Philadelphia", "PA", "215"),
        ("Minneapolis", "MN", "612"), ("Dallas", "TX", "214"), ("Phoenix", "AZ", "602"),
        ("Pittsburgh", "PA", "412"), ("Columbus", "OH", "614"), ("Detroit", "MI", "313"),
        ("Washington", "DC", "202"), ("San Jose", "CA", "408"), ("Boulder", "CO", "720"),
    ),
    "GB": (("London", None, "20"), ("Manchester", None, "161"), ("Edinburgh", None, "131"),
           ("Bristol", None, "117"), ("Cambridge", None, "1223"), ("Leeds", None, "113")),
    "DE": (("Berlin", None, "30"), ("Munich", None, "89"), ("Hamburg", None, "40"),
           ("Frankfurt", None, "69"), ("Cologne", None, "221")),
    "CA": (("Toronto", "ON", "416"), ("Vancouver", "BC", "604"), ("Montreal", "QC", "514"),
           ("Ottawa", "ON", "613"), ("Calgary", "AB", "403"), ("Waterloo", "ON", "519")),
    "FR": (("Paris", None, "1"), ("Lyon", None, "4"), ("Toulouse", None, "5"), ("Nantes", None, "2"),
           ("Bordeaux", None, "5")),
    "IN": (("Bengaluru", None, "80"), ("Mumbai", None, "22"), ("Hyderabad", None, "40"),
           ("Pune", None, "20"), ("Chennai", None, "44"), ("New Delhi", None, "11")),
    "AU": (("Sydney", "NSW", "2"), ("Melbourne", "VIC", "3"), ("Brisbane", "QLD", "7"), ("Perth", "WA", "8")),
    "NL": (("Amsterdam", None, "20"), ("Rotterdam", None, "10"), ("Utrecht", None, "30"),
           ("Eindhoven", None, "40")),
    "ES": (("Madrid", None, "91"), ("Barcelona", None, "93"), ("Valencia", None, "96")),
    "SE": (("Stockholm", None, "8"), ("Gothenburg", None, "31")),
    "BR": (("São Paulo", None, "11"), ("Rio de Janeiro", None, "21")),
    "IE": (("Dublin", None, "1"), ("Cork", None, "21")),
    "SG": (("Singapore", None, "6"),),
    "IL": (("Tel Aviv", None, "3"),),
    "CH": (("Zurich", None, "44"), ("Geneva", None, "22")),
    "DK": (("Copenhagen", None, "3"),),
    "JP": (("Tokyo", None, "3"),),
}

EMPLOYEE_BUCKETS: tuple[tuple[str, int, int, float], ...] = (
    ("1-10", 1, 10, 14), ("11-50", 11, 50, 30), ("51-200", 51, 200, 27), ("201-500", 201, 500, 13),
    ("501-1000", 501, 1000, 7), ("1001-5000", 1001, 5000, 6.5), ("5001-10000", 5001, 10000, 1.7),
    ("10001+", 10001, 60000, 0.8),
)
REVENUE_BUCKETS: tuple[tuple[str, int], ...] = (  # (label, upper bound in USD)
    ("$0-$1M", 1_000_000), ("$1M-$10M", 10_000_000), ("$10M-$50M", 50_000_000),
    ("$50M-$100M", 100_000_000), ("$100M-$250M", 250_000_000), ("$250M-$500M", 500_000_000),
    ("$500M-$1B", 1_000_000_000), ("$1B-$10B", 10_000_000_000), ("$10B+", 10**15),
)

# (name, category, website)
TECHNOLOGIES: tuple[tuple[str, str, str], ...] = (
    ("Salesforce", "CRM", "salesforce.com"), ("HubSpot", "Marketing Automation", "hubspot.com"),
    ("Marketo", "Marketing Automation", "marketo.com"), ("Google Analytics", "Analytics", "google.com"),
    ("Segment", "Customer Data Platform", "segment.com"), ("Mixpanel", "Analytics", "mixpanel.com"),
    ("Amplitude", "Analytics", "amplitude.com"), ("Amazon Web Services", "Cloud Hosting", "aws.amazon.com"),
    ("Google Cloud", "Cloud Hosting", "cloud.google.com"), ("Microsoft Azure", "Cloud Hosting", "azure.com"),
    ("Cloudflare", "CDN", "cloudflare.com"), ("Fastly", "CDN", "fastly.com"),
    ("Stripe", "Payments", "stripe.com"),
    ("Zendesk", "Customer Support", "zendesk.com"), ("Intercom", "Customer Support", "intercom.com"),
    ("Slack", "Collaboration", "slack.com"), ("Atlassian Jira", "Project Management", "atlassian.com"),
    ("Okta", "Identity", "okta.com"), ("Datadog", "Monitoring", "datadoghq.com"),
    ("Sentry", "Monitoring", "sentry.io"), ("Snowflake", "Data Warehouse", "snowflake.com"),
    ("React", "JavaScript Framework", "react.dev"), ("Next.js", "JavaScript Framework", "nextjs.org"),
    ("WordPress", "CMS", "wordpress.org"), ("Webflow", "CMS", "webflow.com"),
    ("Google Workspace", "Email", "workspace.google.com"), ("Microsoft 365", "Email", "microsoft.com"),
    ("Gong", "Sales Intelligence", "gong.io"), ("Outreach", "Sales Engagement", "outreach.io"),
    ("Workday", "HR", "workday.com"), ("BambooHR", "HR", "bamboohr.com"), ("NetSuite", "ERP", "netsuite.com"),
    ("QuickBooks", "Accounting", "quickbooks.intuit.com"), ("Greenhouse", "Recruiting", "greenhouse.io"),
    ("Hotjar", "Analytics", "hotjar.com"), ("Optimizely", "A/B Testing", "optimizely.com"),
    ("Drift", "Conversational Marketing", "drift.com"), ("Twilio", "Communications", "twilio.com"),
    ("Klaviyo", "Email Marketing", "klaviyo.com"), ("Meta Pixel", "Advertising", "facebook.com"),
    ("Google Ads", "Advertising", "ads.google.com"), ("LinkedIn Insight Tag", "Advertising", "linkedin.com"),
)
PLATFORM_TECH: dict[str, tuple[str, str, str]] = {
    "shopify": ("Shopify", "Ecommerce Platform", "shopify.com"),
    "woocommerce": ("WooCommerce", "Ecommerce Platform", "woocommerce.com"),
    "bigcommerce": ("BigCommerce", "Ecommerce Platform", "bigcommerce.com"),
    "magento": ("Magento", "Ecommerce Platform", "business.adobe.com"),
}

# (platform, weight, plans)
STORE_PLATFORMS: tuple[tuple[str, float, tuple[str, ...]], ...] = (
    ("shopify", 62, ("Basic Shopify", "Shopify", "Advanced Shopify", "Shopify Plus")),
    ("woocommerce", 20, ("WooCommerce",)),
    ("bigcommerce", 10, ("Standard", "Plus", "Pro", "Enterprise")),
    ("magento", 8, ("Magento Open Source", "Adobe Commerce")),
)
# (token, name, categories, monthly cost in USD cents)
STORE_APPS: tuple[tuple[str, str, tuple[str, ...], int], ...] = (
    ("klaviyo-email-marketing", "Klaviyo: Email Marketing & SMS", ("marketing", "email"), 4500),
    ("judgeme", "Judge.me Product Reviews", ("reviews",), 1500),
    ("yotpo-social-reviews", "Yotpo Product Reviews & UGC", ("reviews",), 7900),
    ("okendo", "Okendo Reviews & Loyalty", ("reviews", "loyalty"), 1900),
    ("loox", "Loox Product Reviews & Photos", ("reviews",), 999),
    ("recharge", "Recharge Subscriptions", ("subscriptions",), 9900),
    ("gorgias", "Gorgias Helpdesk", ("customer-support",), 6000),
    ("tidio", "Tidio Live Chat", ("customer-support",), 2900),
    ("privy", "Privy Pop Ups & Email", ("marketing",), 3000),
    ("omnisend", "Omnisend Email Marketing", ("marketing", "email"), 1600),
    ("postscript", "Postscript SMS Marketing", ("marketing", "sms"), 10000),
    ("smile-io", "Smile: Loyalty & Rewards", ("loyalty",), 4900),
    ("afterpay", "Afterpay", ("payments",), 0),
    ("klarna", "Klarna On-site Messaging", ("payments",), 0),
    ("route", "Route Package Protection", ("shipping",), 0),
    ("aftership", "AfterShip Order Tracking", ("shipping",), 1100),
    ("shipstation", "ShipStation", ("shipping", "fulfillment"), 2999),
    ("boost-ai-search", "Boost AI Search & Filter", ("search",), 2900),
    ("searchanise", "Searchanise Search & Filter", ("search",), 1900),
    ("pagefly", "PageFly Landing Page Builder", ("page-builder",), 2400),
    ("gempages", "GemPages Page Builder", ("page-builder",), 2900),
    ("rebuy", "Rebuy Personalization Engine", ("upsell", "personalization"), 9900),
    ("vitals", "Vitals: All-in-one Marketing", ("marketing",), 2999),
    ("weglot", "Weglot Translate", ("translation",), 1500),
    ("mailchimp", "Mailchimp Email Marketing", ("email",), 1300),
)
SHIPPING_CARRIERS: dict[str, tuple[str, ...]] = {
    "US": ("USPS", "UPS", "FedEx", "DHL"), "CA": ("Canada Post", "UPS", "Purolator", "FedEx"),
    "GB": ("Royal Mail", "DPD", "Evri", "DHL"), "AU": ("Australia Post", "StarTrack", "DHL"),
    "DE": ("DHL", "Hermes", "DPD", "UPS"), "FR": ("La Poste", "Colissimo", "Chronopost", "DPD"),
}
DEFAULT_CARRIERS: tuple[str, ...] = ("DHL", "UPS", "FedEx")
STORE_FEATURES: tuple[str, ...] = (
    "Free Shipping", "Gift Cards", "Product Reviews", "Subscriptions", "Buy Now Pay Later", "Live Chat",
    "Loyalty Program", "Wishlist", "Store Locator", "International Shipping", "Returns Portal",
)

# (name, domain)
VC_FIRMS: tuple[tuple[str, str], ...] = (
    ("Sequoia Capital", "sequoiacap.com"), ("Andreessen Horowitz", "a16z.com"), ("Accel", "accel.com"),
    ("Benchmark", "benchmark.com"), ("Index Ventures", "indexventures.com"),
    ("Lightspeed Venture Partners", "lsvp.com"), ("Greylock", "greylock.com"),
    ("Kleiner Perkins", "kleinerperkins.com"), ("Bessemer Venture Partners", "bvp.com"),
    ("Insight Partners", "insightpartners.com"), ("General Catalyst", "generalcatalyst.com"),
    ("Y Combinator", "ycombinator.com"), ("First Round Capital", "firstround.com"),
    ("Founders Fund", "foundersfund.com"), ("Battery Ventures", "battery.com"), ("Redpoint", "redpoint.com"),
    ("Balderton Capital", "balderton.com"), ("Atomico", "atomico.com"), ("Point Nine", "pointnine.com"),
    ("Felicis", "felicis.com"), ("Craft Ventures", "craftventures.com"), ("CRV", "crv.com"),
    ("Spark Capital", "sparkcapital.com"), ("Union Square Ventures", "usv.com"),
    ("Khosla Ventures", "khoslaventures.com"),
)
FUNDING_STAGES: tuple[tuple[str, int, int], ...] = (  # (stage, min, max USD raised in total)
    ("Pre-Seed", 250_000, 1_500_000), ("Seed", 1_000_000, 5_000_000), ("Series A", 5_000_000, 25_000_000),
    ("Series B", 20_000_000, 80_000_000), ("Series C", 50_000_000, 200_000_000),
    ("Series D+", 150_000_000, 900_000_000),
)

AD_HEADLINES: dict[IndustryKind, tuple[str, ...]] = {
    "saas": ("{name}: {spec} without the busywork", "See why teams switch to {name}",
             "Try {name} free for 14 days", "{spec}, finally simple", "The {spec} platform teams love"),
    "b2b": ("{name} | Trusted {spec} partner", "Talk to a {spec} expert today",
            "{spec} that delivers results", "Why leaders choose {name}"),
    "consumer": ("Shop {spec} at {name}", "Free shipping on orders over $50",
                 "{name}: new {spec} just dropped",
                 "Up to 30% off {spec} this week", "Meet your new favorite {spec}"),
}
AD_BODIES: dict[IndustryKind, tuple[str, ...]] = {
    "saas": ("Join {count} teams using {name} to run {spec} in one place.",
             "Cut manual work in half with {name}. Book a demo today."),
    "b2b": ("{name} has helped {count} clients with {spec}. Let's talk about yours.",
            "Get a free {spec} assessment from the {name} team."),
    "consumer": ("Loved by {count} customers. Discover {spec} from {name}.",
                 "Limited time only: our best {spec} at our best prices."),
}

SCHOOLS: tuple[str, ...] = (
    "Stanford University", "Massachusetts Institute of Technology", "University of California, Berkeley",
    "Harvard University", "University of Michigan", "University of Texas at Austin",
    "Carnegie Mellon University",
    "Georgia Institute of Technology", "University of Washington", "New York University",
    "University of Pennsylvania", "Cornell University", "Columbia University",
    "University of Illinois Urbana-Champaign", "Purdue University", "Boston University",
    "University of Southern California", "Arizona State University", "Ohio State University",
    "University of Toronto", "University of Waterloo", "McGill University", "University of Oxford",
    "University of Cambridge", "Imperial College London", "London School of Economics",
    "Technical University of Munich", "HEC Paris", "INSEAD", "University of Melbourne",
    "Indian Institute of Technology Bombay", "Delft University of Technology",
    "National University of Singapore", "University of Amsterdam", "Trinity College Dublin",
)

DEPARTMENTS: tuple[str, ...] = (
    "executive", "engineering", "sales", "marketing", "finance", "operations", "human_resources", "product",
    "customer_success", "legal", "information_technology",
)
# Weights for departments below the C-suite.
DEPARTMENT_WEIGHTS: dict[str, float] = {
    "engineering": 22, "sales": 18, "marketing": 10, "operations": 12, "customer_success": 8, "finance": 6,
    "human_resources": 5, "product": 7, "legal": 2, "information_technology": 5, "executive": 1,
}
DEPARTMENT_LABELS: dict[str, str] = {
    "executive": "Strategy", "engineering": "Engineering", "sales": "Sales", "marketing": "Marketing",
    "finance": "Finance", "operations": "Operations", "human_resources": "People", "product": "Product",
    "customer_success": "Customer Success", "legal": "Legal", "information_technology": "IT",
}
# The CEO comes first; the other chiefs are drawn from this list, one title per department.
C_SUITE_TITLES: tuple[tuple[str, str], ...] = (
    ("engineering", "Chief Technology Officer"), ("finance", "Chief Financial Officer"),
    ("operations", "Chief Operating Officer"), ("marketing", "Chief Marketing Officer"),
    ("sales", "Chief Revenue Officer"), ("product", "Chief Product Officer"),
    ("human_resources", "Chief People Officer"), ("legal", "General Counsel"),
    ("customer_success", "Chief Customer Officer"), ("information_technology", "Chief Information Officer"),
)
CEO_TITLES: tuple[str, ...] = ("Chief Executive Officer", "Founder & CEO", "Co-Founder & CEO", "CEO")
VP_FORMS: tuple[str, ...] = ("VP of {d}", "Vice President of {d}", "VP, {d}", "SVP of {d}")
DIRECTOR_FORMS: tuple[str, ...] = ("Director of {d}", "Head of {d}", "Senior Director of {d}")
ROLE_TITLES: dict[str, dict[str, tuple[str, ...]]] = {  # department -> seniority -> titles
    "engineering": {
        "manager": ("Engineering Manager", "Software Engineering Manager", "QA Manager"),
        "senior": ("Senior Software Engineer", "Staff Engineer", "Senior Data Engineer",
                   "Senior DevOps Engineer"),
        "entry": ("Software Engineer", "Frontend Engineer", "Backend Engineer", "Data Analyst",
                  "QA Engineer"),
    },
    "sales": {
        "manager": ("Sales Manager", "Regional Sales Manager", "Sales Development Manager"),
        "senior": ("Senior Account Executive", "Enterprise Account Executive", "Senior Sales Engineer"),
        "entry": ("Account Executive", "Sales Development Representative",
                  "Business Development Representative"),
    },
    "marketing": {
        "manager": ("Marketing Manager", "Demand Generation Manager", "Content Marketing Manager"),
        "senior": ("Senior Product Marketing Manager", "Senior Marketing Specialist",
                   "Senior Brand Designer"),
        "entry": ("Marketing Coordinator", "Marketing Associate", "Social Media Specialist",
                  "Content Writer"),
    },
    "finance": {
        "manager": ("Finance Manager", "Controller", "Accounting Manager"),
        "senior": ("Senior Financial Analyst", "Senior Accountant", "FP&A Lead"),
        "entry": ("Financial Analyst", "Staff Accountant", "Accounts Payable Specialist"),
    },
    "operations": {
        "manager": ("Operations Manager", "Revenue Operations Manager", "Supply Chain Manager"),
        "senior": ("Senior Operations Analyst", "Senior Program Manager", "Senior Business Analyst"),
        "entry": ("Operations Associate", "Operations Coordinator", "Business Analyst"),
    },
    "human_resources": {
        "manager": ("HR Manager", "Talent Acquisition Manager", "People Operations Manager"),
        "senior": ("Senior Recruiter", "Senior HR Business Partner", "Senior Talent Partner"),
        "entry": ("Recruiter", "HR Coordinator", "People Operations Associate"),
    },
    "product": {
        "manager": ("Product Manager", "Group Product Manager", "Design Manager"),
        "senior": ("Senior Product Manager", "Senior Product Designer", "Principal Product Manager"),
        "entry": ("Associate Product Manager", "Product Designer", "UX Researcher"),
    },
    "customer_success": {
        "manager": ("Customer Success Manager", "Support Manager", "Account Manager"),
        "senior": ("Senior Customer Success Manager", "Senior Implementation Consultant",
                   "Senior Account Manager"),
        "entry": ("Customer Success Associate", "Support Specialist", "Onboarding Specialist"),
    },
    "legal": {
        "manager": ("Legal Operations Manager", "Compliance Manager", "Contracts Manager"),
        "senior": ("Senior Counsel", "Senior Corporate Counsel", "Senior Compliance Analyst"),
        "entry": ("Paralegal", "Legal Associate", "Compliance Analyst"),
    },
    "information_technology": {
        "manager": ("IT Manager", "Security Operations Manager", "Infrastructure Manager"),
        "senior": ("Senior Systems Administrator", "Senior Security Engineer", "Senior Network Engineer"),
        "entry": ("IT Support Specialist", "Systems Administrator", "Help Desk Technician"),
    },
    "executive": {
        "manager": ("Chief of Staff", "Executive Business Partner"),
        "senior": ("Strategy Lead", "Senior Strategy Associate"),
        "entry": ("Executive Assistant", "Strategy Associate"),
    },
}
SKILLS: dict[str, tuple[str, ...]] = {
    "executive": ("Leadership", "Strategy", "Fundraising", "Board Relations", "P&L Management",
                  "Go-to-Market"),
    "engineering": ("Python", "TypeScript", "Kubernetes", "AWS", "PostgreSQL", "Distributed Systems", "React",
                    "Go", "CI/CD", "Machine Learning"),
    "sales": ("Enterprise Sales", "Negotiation", "Salesforce", "Prospecting", "MEDDIC", "Account Management",
              "Pipeline Management"),
    "marketing": ("Demand Generation", "SEO", "Content Strategy", "HubSpot", "Brand Marketing", "Paid Social",
                  "Product Marketing"),
    "finance": ("Financial Modeling", "FP&A", "Budgeting", "NetSuite", "GAAP", "Forecasting", "Excel"),
    "operations": ("Process Improvement", "Project Management", "Supply Chain", "Lean Six Sigma",
                   "Revenue Operations", "Vendor Management"),
    "human_resources": ("Recruiting", "Talent Management", "Employee Relations", "Compensation", "Workday",
                        "Onboarding"),
    "product": ("Product Strategy", "Roadmapping", "User Research", "Figma", "A/B Testing", "Agile"),
    "customer_success": ("Customer Retention", "Onboarding", "Zendesk", "Account Management", "Renewals",
                         "Customer Experience"),
    "legal": ("Contract Negotiation", "Compliance", "Corporate Law", "Privacy", "GDPR",
              "Intellectual Property"),
    "information_technology": ("Network Security", "Okta", "ITIL", "Microsoft 365", "Endpoint Management",
                               "Cloud Infrastructure"),
}
SCHOOL_FIELDS: dict[str, tuple[str, ...]] = {
    "executive": ("Business Administration", "Economics", "Engineering"),
    "engineering": ("Computer Science", "Software Engineering", "Electrical Engineering", "Mathematics"),
    "sales": ("Business Administration", "Communications", "Economics"),
    "marketing": ("Marketing", "Communications", "Journalism"),
    "finance": ("Finance", "Accounting", "Economics"),
    "operations": ("Industrial Engineering", "Supply Chain Management", "Business Administration"),
    "human_resources": ("Psychology", "Human Resources Management", "Sociology"),
    "product": ("Computer Science", "Design", "Economics"),
    "customer_success": ("Communications", "Psychology", "Business Administration"),
    "legal": ("Law", "Political Science"),
    "information_technology": ("Information Systems", "Computer Science"),
}
BACHELOR_DEGREES: tuple[str, ...] = ("Bachelor of Science", "Bachelor of Arts", "Bachelor of Engineering")

FIRST_NAMES: tuple[str, ...] = (
    "James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda", "David", "Elizabeth",
    "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Charles", "Karen",
    "Daniel", "Emily", "Matthew", "Ashley", "Anthony", "Amanda", "Mark", "Melissa", "Steven", "Rebecca",
    "Andrew", "Laura", "Kevin", "Rachel", "Brian", "Megan", "Ryan", "Hannah", "Jacob", "Olivia",
    "Ethan", "Sophia", "Noah", "Emma", "Liam", "Ava", "Lucas", "Chloe", "Nathan", "Grace",
    "José", "María", "Carlos", "Lucía", "Diego", "Sofía", "Javier", "Camila", "Mateo", "Valentina",
    "Alejandro", "Isabela", "Rafael", "Gabriela", "Pedro", "Ana", "João", "Beatriz", "Luis", "Elena",
    "Priya", "Arjun", "Ananya", "Rahul", "Deepika", "Vikram", "Aisha", "Rohan", "Kavya", "Sanjay",
    "Wei", "Mei", "Jun", "Xin", "Hao", "Yan", "Li", "Ming", "Jia", "Chen",
    "Hiroshi", "Yuki", "Kenji", "Aiko", "Min-jun", "Ji-woo", "Seo-yeon", "Hyun",
    "Lukas", "Hanna", "Felix", "Lena", "Jonas", "Marie", "Max", "Anna", "Niklas", "Julia",
    "François", "Camille", "Louis", "Chloé", "Hugo", "Léa", "Antoine", "Manon", "Théo", "Inès",
    "Giulia", "Marco", "Francesca", "Luca", "Chiara", "Alessandro",
    "Björn", "Astrid", "Lars", "Ingrid", "Søren", "Freja", "Mikael", "Sigrid",
    "Chinedu", "Ngozi", "Oluwaseun", "Amara", "Kwame", "Abena", "Tunde", "Zainab",
    "Omar", "Fatima", "Youssef", "Layla", "Karim", "Nour", "Amir", "Leila",
    "Sean", "Siobhan", "Declan", "Aoife", "Ciaran", "Niamh",
    "Dmitri", "Olga", "Pavel", "Katarzyna", "Tomasz", "Agnieszka",
)
LAST_NAMES: tuple[str, ...] = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
    "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
    "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson",
    "Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores",
    "Green", "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell", "Mitchell", "Carter", "Roberts",
    "Patel", "Shah", "Kumar", "Singh", "Gupta", "Sharma", "Reddy", "Iyer", "Menon", "Chatterjee",
    "Chen", "Wang", "Zhang", "Liu", "Huang", "Wu", "Lin", "Zhao", "Xu", "Yang",
    "Kim", "Park", "Choi", "Jung", "Tanaka", "Suzuki", "Sato", "Yamamoto", "Watanabe", "Nakamura",
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Wagner", "Becker", "Hoffmann", "Schulz", "Koch",
    "Dubois", "Lefebvre", "Moreau", "Laurent", "Bernard", "Rousseau", "Girard", "Fontaine",
    "Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Ricci", "Marino",
    "Silva", "Santos", "Oliveira", "Pereira", "Costa", "Almeida", "Ferreira", "Gonçalves",
    "O'Brien", "Murphy", "Kelly", "Byrne", "Walsh", "O'Connor", "Ryan", "Doyle",
    "Nowak", "Kowalski", "Horvat", "Ivanov", "Petrov", "Novak", "Popescu", "Dvořák",
    "Jansen", "Visser", "Bakker", "Andersson", "Johansson", "Nilsson", "Larsen", "Hansen", "Jørgensen",
    "Okafor", "Adeyemi", "Mensah", "Okonkwo", "Abubakar", "Boateng", "Haddad", "Khalil", "Nasser", "Mansour",
    "Cohen", "Levi", "Friedman", "Goldberg", "Katz", "Rosen",
)

# Letters that NFKD does not decompose into ASCII.
ASCII_FOLD: dict[int, str] = {ord("ø"): "o", ord("æ"): "ae", ord("ß"): "ss", ord("ł"): "l", ord("đ"): "d"}
# fmt: on
