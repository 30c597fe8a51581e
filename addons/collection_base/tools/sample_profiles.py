"""Country profiles of the sample portfolio generator: names, streets, areas, phone plans.

Plain data, no ORM. Each profile describes one city area (the default centre of the generated
portfolio), with neighbourhoods placed at their approximate real coordinates so that a map of
the generated addresses looks like the city. Amounts of the products are given in US dollars
and multiplied by the profile's ``amount_scale``.
"""

# Loan products, shared by the profiles. ``schedule`` decides how the instalments are built:
# amortizing (fixed monthly instalment over a term), revolving (monthly minimum payment of a
# card balance), bill (monthly bill of a telco account), single (one invoice due date).
PRODUCTS = [
    # code, name, product_type, weight, min amount, max amount, min rate, max rate, terms, schedule, source
    ('PL', "Personal Loan", 'personal', 0.30, 1000, 40000, 11.0, 24.0, (12, 24, 36, 48, 60, 72, 84), 'amortizing', 'T24'),
    ('AL', "Auto Loan", 'auto', 0.10, 8000, 60000, 7.0, 15.0, (24, 36, 48, 60, 72, 84), 'amortizing', 'T24'),
    ('ML', "Home Mortgage", 'mortgage', 0.06, 60000, 600000, 5.0, 9.5, (120, 180, 240, 300, 360), 'amortizing', 'T24'),
    ('CC', "Credit Card", 'card', 0.22, 500, 15000, 24.0, 36.0, (0,), 'revolving', 'W4'),
    ('SME', "SME Working Capital Loan", 'sme', 0.08, 10000, 400000, 10.0, 18.0, (12, 24, 36, 48, 60), 'amortizing', 'T24'),
    ('TEL', "Telco Arrears", 'telco', 0.15, 15, 150, 0.0, 0.0, (0,), 'bill', 'BSS'),
    ('INV', "Trade Invoice", 'invoice', 0.09, 500, 50000, 0.0, 0.0, (0,), 'single', 'ERP'),
]

# Share of the delinquent loans in each delinquent bucket, from the earliest to the latest.
DELINQUENT_BUCKET_WEIGHTS = (0.50, 0.16, 0.10, 0.12, 0.12)

# Customer risk classes: share of the customers, and probability that each of their loans is late.
RISK_CLASSES = ((0.70, 0.05), (0.20, 0.35), (0.10, 0.75))

PROFILES = {
    'LK': {
        'currency': 'LKR',
        'tz': 'Asia/Colombo',
        'utc_offset_hours': 5.5,
        'amount_scale': 150,
        'amount_digits': 0,
        'center': (6.9271, 79.8612),
        'radius_km': 22.0,
        'email_domains': ('gmail.com', 'yahoo.com', 'hotmail.com', 'sltnet.lk', 'outlook.com'),
        # Mobile prefixes after the trunk 0 (Dialog 77/76, Mobitel 71/70, Hutch 78/72, Airtel 75).
        'mobile_prefixes': ('77', '76', '71', '70', '78', '72', '75'),
        'landline_prefixes': ('112', '113', '114', '115', '117'),
        'country_calling_code': '94',
        'phone_style': 'lk',
        'plate_province': 'WP',
        'states': (('11', "Colombo"), ('12', "Gampaha"), ('13', "Kalutara")),
        # name, city, zip, state code, latitude, longitude, weight
        'areas': (
            ("Fort", "Colombo", "00100", '11', 6.9344, 79.8428, 2),
            ("Pettah", "Colombo", "01100", '11', 6.9366, 79.8500, 3),
            ("Kollupitiya", "Colombo", "00300", '11', 6.9110, 79.8510, 4),
            ("Bambalapitiya", "Colombo", "00400", '11', 6.8930, 79.8560, 5),
            ("Wellawatte", "Colombo", "00600", '11', 6.8740, 79.8600, 6),
            ("Borella", "Colombo", "00800", '11', 6.9147, 79.8778, 5),
            ("Maradana", "Colombo", "01000", '11', 6.9290, 79.8650, 4),
            ("Kotahena", "Colombo", "01300", '11', 6.9500, 79.8600, 4),
            ("Grandpass", "Colombo", "01400", '11', 6.9480, 79.8750, 4),
            ("Narahenpita", "Colombo", "00500", '11', 6.8990, 79.8770, 3),
            ("Kirulapone", "Colombo", "00500", '11', 6.8780, 79.8770, 3),
            ("Dehiwala", "Dehiwala-Mount Lavinia", "10350", '11', 6.8510, 79.8650, 6),
            ("Mount Lavinia", "Dehiwala-Mount Lavinia", "10370", '11', 6.8390, 79.8630, 4),
            ("Nugegoda", "Sri Jayawardenepura Kotte", "10250", '11', 6.8720, 79.8890, 6),
            ("Rajagiriya", "Sri Jayawardenepura Kotte", "10100", '11', 6.9090, 79.8950, 4),
            ("Kotte", "Sri Jayawardenepura Kotte", "10100", '11', 6.8870, 79.9070, 3),
            ("Battaramulla", "Kaduwela", "10120", '11', 6.8990, 79.9180, 4),
            ("Malabe", "Kaduwela", "10115", '11', 6.9040, 79.9580, 4),
            ("Kaduwela", "Kaduwela", "10640", '11', 6.9360, 79.9840, 3),
            ("Maharagama", "Maharagama", "10280", '11', 6.8480, 79.9260, 5),
            ("Piliyandala", "Kesbewa", "10300", '11', 6.8010, 79.9220, 4),
            ("Homagama", "Homagama", "10200", '11', 6.8430, 80.0030, 3),
            ("Wattala", "Wattala", "11300", '12', 6.9890, 79.8920, 5),
            ("Kelaniya", "Kelaniya", "11600", '12', 6.9550, 79.9220, 4),
            ("Kiribathgoda", "Kelaniya", "11600", '12', 6.9780, 79.9300, 4),
            ("Moratuwa", "Moratuwa", "10400", '11', 6.7730, 79.8820, 5),
            ("Panadura", "Panadura", "12500", '13', 6.7133, 79.9044, 3),
        ),
        'streets': (
            "Galle Road", "Duplication Road", "Baseline Road", "High Level Road", "Havelock Road",
            "Kandy Road", "Negombo Road", "Parliament Road", "Temple Road", "Station Road",
            "Old Kottawa Road", "School Lane", "Church Street", "Flower Road", "Park Road",
            "Lake Drive", "Stanley Tillekeratne Mawatha", "Sri Sangaraja Mawatha",
            "Anagarika Dharmapala Mawatha", "Sri Jayawardenepura Mawatha", "Pagoda Road",
            "Hospital Road", "Old Road", "Main Street", "Vihara Road", "Nawala Road",
            "Kirimandala Mawatha", "Horton Place", "Ward Place", "Dutugemunu Street",
        ),
        'first_names_male': (
            "Kasun", "Nuwan", "Chaminda", "Ruwan", "Saman", "Lahiru", "Dinesh", "Tharindu", "Pradeep",
            "Mahesh", "Nimal", "Sunil", "Kamal", "Asanka", "Chathura", "Janaka", "Thilina", "Sanjeewa",
            "Roshan", "Dilshan", "Suresh", "Ramesh", "Arjun", "Mohamed", "Fazil", "Rizwan", "Ashan",
            "Isuru", "Gayan", "Buddhika", "Upul", "Sampath", "Prasanna", "Harsha", "Kumar", "Niroshan",
        ),
        'first_names_female': (
            "Nadeesha", "Dilani", "Chamari", "Sanduni", "Ishara", "Hiruni", "Anjali", "Nirosha", "Kumari",
            "Malini", "Shanika", "Tharushi", "Dulani", "Priyanka", "Sachini", "Gayani", "Yamuna", "Fathima",
            "Shalini", "Kavitha", "Nisansala", "Erandi", "Madhavi", "Hasini", "Chathurika", "Rasika",
            "Dinusha", "Sewwandi", "Iresha", "Nilmini",
        ),
        'last_names': (
            "Perera", "Fernando", "de Silva", "Silva", "Jayasinghe", "Bandara", "Herath", "Wijesinghe",
            "Gunawardena", "Dissanayake", "Kumara", "Ratnayake", "Wickramasinghe", "Senanayake",
            "Weerasinghe", "Jayawardena", "Karunaratne", "Amarasinghe", "Gunasekara", "Rathnayake",
            "Ekanayake", "Liyanage", "Samarasinghe", "Abeysekera", "Mendis", "Peiris", "Rodrigo",
            "Cooray", "Fonseka", "Pathirana", "Munasinghe", "Sivakumar", "Rajendran", "Nadarajah",
            "Ganeshan", "Thevarajah", "Ismail", "Cassim", "Marikar", "Wijeratne", "Jayasuriya",
            "Kodikara", "Senaratne", "Hettiarachchi", "Wanigasekara",
        ),
        'vehicles': (
            ("Toyota", "Axio"), ("Toyota", "Premio"), ("Toyota", "Aqua"), ("Toyota", "Prius"),
            ("Suzuki", "Wagon R"), ("Suzuki", "Alto"), ("Honda", "Vezel"), ("Honda", "Fit"),
            ("Nissan", "Leaf"), ("Nissan", "X-Trail"), ("Mitsubishi", "Montero"), ("Bajaj", "RE Three-Wheeler"),
            ("Micro", "Panda"), ("Tata", "Nano"), ("Hyundai", "Tucson"), ("Kia", "Sorento"),
        ),
    },
    'US': {
        'currency': 'USD',
        'tz': 'America/Chicago',
        'utc_offset_hours': -6.0,
        'amount_scale': 1,
        'amount_digits': 2,
        'center': (41.8781, -87.6298),
        'radius_km': 25.0,
        'email_domains': ('gmail.com', 'yahoo.com', 'outlook.com', 'icloud.com', 'aol.com'),
        'mobile_prefixes': ('312', '773', '872'),
        'landline_prefixes': ('708', '847', '630'),
        'country_calling_code': '1',
        'phone_style': 'us',
        'plate_province': 'IL',
        'states': (('IL', "Illinois"),),
        'areas': (
            ("The Loop", "Chicago", "60603", 'IL', 41.8837, -87.6325, 3),
            ("Lincoln Park", "Chicago", "60614", 'IL', 41.9214, -87.6513, 5),
            ("Lakeview", "Chicago", "60657", 'IL', 41.9434, -87.6553, 6),
            ("Wicker Park", "Chicago", "60622", 'IL', 41.9088, -87.6796, 4),
            ("Logan Square", "Chicago", "60647", 'IL', 41.9234, -87.7083, 5),
            ("Hyde Park", "Chicago", "60615", 'IL', 41.7943, -87.5907, 4),
            ("Pilsen", "Chicago", "60608", 'IL', 41.8565, -87.6590, 4),
            ("Bronzeville", "Chicago", "60653", 'IL', 41.8169, -87.6180, 4),
            ("Uptown", "Chicago", "60640", 'IL', 41.9666, -87.6533, 5),
            ("Rogers Park", "Chicago", "60626", 'IL', 42.0106, -87.6696, 5),
            ("Austin", "Chicago", "60644", 'IL', 41.8947, -87.7654, 6),
            ("Humboldt Park", "Chicago", "60651", 'IL', 41.9023, -87.7209, 5),
            ("Bridgeport", "Chicago", "60608", 'IL', 41.8381, -87.6513, 3),
            ("Chinatown", "Chicago", "60616", 'IL', 41.8524, -87.6320, 2),
            ("Englewood", "Chicago", "60621", 'IL', 41.7798, -87.6446, 5),
            ("South Shore", "Chicago", "60649", 'IL', 41.7617, -87.5756, 5),
            ("Evanston", "Evanston", "60201", 'IL', 42.0451, -87.6877, 4),
            ("Oak Park", "Oak Park", "60302", 'IL', 41.8850, -87.7845, 4),
            ("Cicero", "Cicero", "60804", 'IL', 41.8456, -87.7539, 4),
        ),
        'streets': (
            "N Clark St", "N Halsted St", "W Fullerton Ave", "N Milwaukee Ave", "W Division St",
            "S Michigan Ave", "N Broadway", "W Belmont Ave", "S Ashland Ave", "W Irving Park Rd",
            "N Western Ave", "S Cottage Grove Ave", "W Madison St", "S Pulaski Rd", "N Sheridan Rd",
            "W Chicago Ave", "S Halsted St", "W Lawrence Ave", "N Damen Ave", "E 53rd St",
            "W Roosevelt Rd", "S Kedzie Ave", "W North Ave", "N Lincoln Ave",
        ),
        'first_names_male': (
            "James", "Michael", "Robert", "John", "David", "William", "Richard", "Joseph", "Thomas",
            "Christopher", "Daniel", "Matthew", "Anthony", "Mark", "Steven", "Andrew", "Joshua", "Kevin",
            "Brian", "Luis", "Carlos", "Jose", "Marcus", "Tyrone", "Kwame", "Wei", "Raj", "Tomasz",
        ),
        'first_names_female': (
            "Mary", "Patricia", "Jennifer", "Linda", "Elizabeth", "Barbara", "Susan", "Jessica", "Sarah",
            "Karen", "Lisa", "Nancy", "Sandra", "Ashley", "Emily", "Michelle", "Amanda", "Melissa",
            "Maria", "Guadalupe", "Keisha", "Aisha", "Mei", "Priya", "Agnieszka", "Fatima",
        ),
        'last_names': (
            "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
            "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor",
            "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Clark",
            "Lewis", "Robinson", "Walker", "Young", "Allen", "Kowalski", "Nowak", "Nguyen", "Patel",
            "Kim", "Washington", "O'Brien", "Murphy", "Sullivan",
        ),
        'vehicles': (
            ("Ford", "F-150"), ("Chevrolet", "Silverado"), ("Toyota", "Camry"), ("Toyota", "RAV4"),
            ("Honda", "Civic"), ("Honda", "CR-V"), ("Nissan", "Altima"), ("Jeep", "Grand Cherokee"),
            ("Hyundai", "Elantra"), ("Kia", "Sportage"), ("Tesla", "Model 3"), ("Subaru", "Outback"),
        ),
    },
}
